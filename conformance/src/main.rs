//! `socketio-conformance`: drives a Socket.IO / Engine.IO server through the conformance
//! catalogue and grades every case.
//!
//! ```text
//! socketio-conformance run [URL] [FILTER…]   # no URL: the bundled reference testee
//! socketio-conformance run URL1 URL2 … [FILTER…]   # the nodes of one cluster
//! socketio-conformance run --testee NAME [FILTER…]   # a bundled testee by name
//! socketio-conformance list [FILTER…]
//! ```
//!
//! Exit codes: 0 when every case passes, 1 when not, 2 for usage errors or an unreachable target.

mod case;
mod cases;
#[allow(dead_code)] // helpers the growing catalogue uses
mod client;
mod ctx;
mod expect;
mod features;
mod matrix;
mod report;
mod runner;
mod testee;
#[allow(dead_code)]
mod transport;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::case::Grade;
use crate::transport::{Connector, Target, TlsOptions, client_config};

#[derive(Parser)]
#[command(
    version,
    about = "Conformance runner for Engine.IO / Socket.IO servers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the catalogue (or the cases FILTER selects) against URL, or against the bundled
    /// reference testee when no URL is given.
    Run(RunArgs),
    /// List the cases FILTER selects, without running them.
    List {
        /// Case-ID prefixes (`EIO4-HS`) or globs (`*/polling-*`).
        filters: Vec<String>,
    },
    /// Run every bundled testee against its expectations and write the compatibility matrix
    /// (Markdown and a self-contained HTML report).
    Matrix {
        /// The testees to run (default: all).
        testees: Vec<String>,
        /// Where to write the Markdown matrix.
        #[arg(long, default_value = "docs/matrix.md")]
        markdown: PathBuf,
        /// Where to write the HTML report.
        #[arg(long, default_value = "docs/matrix.html")]
        html: PathBuf,
        /// Cases at once within one testee's run.
        #[arg(short = 'j', long, default_value_t = 4)]
        jobs: usize,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The server, e.g. `http://127.0.0.1:3000`; when it does not start with http(s)://, it is
    /// taken as the first filter and the bundled testee is used. Further URLs before the filters
    /// are the other nodes of one cluster (the cluster cases use them all).
    url: Option<String>,
    /// Case-ID prefixes (`EIO4-HS`) or globs (`*/polling-*`).
    filters: Vec<String>,
    /// The Engine.IO path on the server.
    #[arg(long, default_value = "/socket.io/")]
    path: String,
    /// Cases run at once, each on its own sessions.
    #[arg(short = 'j', long, default_value_t = 4)]
    jobs: usize,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Print wire transcripts for every case, not only for non-PASS verdicts.
    #[arg(long)]
    trace: bool,
    /// A PEM CA certificate to trust for https/wss.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Accept any TLS certificate (testing only).
    #[arg(long)]
    insecure: bool,
    /// Multiplies every deadline (slow networks, loaded machines).
    #[arg(long, default_value_t = 1.0)]
    timeout_scale: f64,
    /// How many clients the broadcast cases connect (at least 2).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(2..))]
    clients: u16,
    /// Committed expected outcomes (conformance/expectations/<server>.json): the run passes when
    /// every outcome matches them, and fails on any change, in either direction.
    #[arg(long)]
    expect: Option<PathBuf>,
    /// The testee-contract features to test (comma-separated), instead of asking the testee.
    #[arg(long, value_delimiter = ',')]
    features: Option<Vec<String>>,
    /// Run only the cases of Engine.IO revision 3 (EIO3/SIO4) or 4 (EIO4/SIO5/TESTEE1), instead
    /// of those of every revision the server speaks.
    #[arg(long, value_name = "3|4", value_parser = clap::value_parser!(u8).range(3..=4))]
    eio: Option<u8>,
    /// Start the bundled testee NAME (a folder of conformance/testees/, e.g.
    /// `node-socketio-4-redis`) instead of the reference; a testee's CA (`certs/ca.pem`) is
    /// trusted unless --ca or --insecure is given.
    #[arg(long, value_name = "NAME")]
    testee: Option<String>,
    /// The other nodes of a cluster target: `run URL1 URL2 … [FILTER…]` runs every case against
    /// URL1 and gives the cluster cases every node.
    #[arg(skip)]
    nodes: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List { filters } => {
            for case in runner::select(cases::all(), &filters) {
                println!("{}  {}", case.id, case.title);
            }
            ExitCode::SUCCESS
        }
        Command::Matrix {
            testees,
            markdown,
            html,
            jobs,
        } => matrix::run(&matrix::MatrixArgs {
            testees,
            markdown,
            html,
            jobs,
        }),
        Command::Run(args) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => return usage_error(&format!("cannot start the runtime: {e}")),
            };
            runtime.block_on(run(args))
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("socketio-conformance: {message}");
    ExitCode::from(2)
}

async fn run(mut args: RunArgs) -> ExitCode {
    if let Some(url) = &args.url
        && !url.starts_with("http://")
        && !url.starts_with("https://")
    {
        args.filters.insert(0, url.clone());
        args.url = None;
    }
    // `run URL1 URL2 …`: the URLs before the filters are the nodes of one cluster.
    while args
        .filters
        .first()
        .is_some_and(|f| f.starts_with("http://") || f.starts_with("https://"))
    {
        let node = args.filters.remove(0);
        args.nodes.push(node);
    }
    if args.url.is_some() && args.testee.is_some() {
        return usage_error("give either a URL or --testee NAME, not both");
    }
    let selected = runner::select(cases::all(), &args.filters);
    if selected.is_empty() {
        return usage_error("no case matches the filters (see `socketio-conformance list`)");
    }
    let expectations = match &args.expect {
        Some(path) => match expect::Expectations::load(path, &cases::all()) {
            Ok(e) => Some(e),
            Err(e) => return usage_error(&e),
        },
        None => None,
    };
    let mut testee = None;
    let testee_name = args.testee.clone();
    let testee_name = testee_name.as_deref().unwrap_or(testee::DEFAULT_TESTEE);
    let url = match &args.url {
        Some(url) => url.clone(),
        None => match testee::Testee::start(testee_name).await {
            Ok(t) => {
                args.nodes = t.urls[1..].to_vec();
                if args.ca.is_none() && !args.insecure {
                    args.ca = t.ca_file();
                    if let Some(ca) = &args.ca {
                        eprintln!("tls: trusting the testee's CA {}", ca.display());
                    }
                }
                args.path = t.path.clone();
                let url = t.url.clone();
                testee = Some(t);
                url
            }
            Err(e) => return usage_error(&e),
        },
    };
    let code = run_against(&args, &url, &selected, expectations.as_ref()).await;
    if let Some(t) = testee {
        t.stop().await;
    }
    code
}

async fn run_against(
    args: &RunArgs,
    url: &str,
    selected: &[&'static case::Case],
    expectations: Option<&expect::Expectations>,
) -> ExitCode {
    let mut target = match Target::parse(url) {
        Ok(t) => t,
        Err(e) => return usage_error(&e.to_string()),
    };
    target.path = args.path.clone();
    let tls = if target.scheme.is_tls() {
        let options = TlsOptions {
            ca_file: args.ca.clone(),
            insecure: args.insecure,
        };
        match client_config(&options) {
            Ok(c) => Some(c),
            Err(e) => return usage_error(&e.to_string()),
        }
    } else {
        None
    };
    let connector = Connector::new(target, tls.clone());
    let params = match ctx::ServerParams::probe(&connector).await {
        Ok(p) => p,
        Err(e) => {
            return usage_error(&format!(
                "{url} is not reachable as an Engine.IO v4 server: {e}"
            ));
        }
    };
    eprintln!("revisions: the server speaks {}", params.revisions());
    let forced: Vec<&'static case::Case>;
    let selected = match args.eio {
        Some(n) => {
            if !(if n == 3 { params.eio3 } else { params.eio4 }) {
                return usage_error(&format!(
                    "--eio {n}: the server does not speak Engine.IO v{n} (it speaks {})",
                    params.revisions()
                ));
            }
            forced = selected
                .iter()
                .copied()
                .filter(|c| client::v3::case_revision(c.id).is_none_or(|r| r == n))
                .collect();
            &forced[..]
        }
        None => selected,
    };
    eprintln!(
        "server: pingInterval {} ms, pingTimeout {} ms, maxPayload {}, upgrades {:?}",
        params.ping_interval.as_millis(),
        params.ping_timeout.as_millis(),
        params
            .max_payload
            .map_or("absent".to_owned(), |m| m.to_string()),
        params.upgrades
    );
    if !params.websocket {
        eprintln!("transport: no WebSocket offered; websocket cases are UNSUPPORTED");
    }
    if !params.polling {
        eprintln!(
            "transport: polling refused, WebSocket-only handshake used; polling cases are UNSUPPORTED"
        );
    }
    let mut nodes = Vec::new();
    if !args.nodes.is_empty() {
        nodes.push(connector.clone());
        for node in &args.nodes {
            let mut node_target = match Target::parse(node) {
                Ok(t) => t,
                Err(e) => return usage_error(&e.to_string()),
            };
            node_target.path = args.path.clone();
            let node_connector = Connector::new(node_target, tls.clone());
            if let Err(e) = ctx::ServerParams::probe(&node_connector).await {
                return usage_error(&format!(
                    "cluster node {node} is not reachable as an Engine.IO v4 server: {e}"
                ));
            }
            nodes.push(node_connector);
        }
        eprintln!(
            "cluster: {} nodes ({url} {}); the cluster cases use them all, the others {url}",
            nodes.len(),
            args.nodes.join(" ")
        );
    }
    let discovery = ctx::Ctx {
        connector: connector.clone(),
        transcript: transport::Transcript::new(),
        params: params.clone(),
        scale: args.timeout_scale,
        clients: usize::from(args.clients),
        nodes: nodes.clone(),
    };
    let (features, how) = match &args.features {
        Some(list) => {
            if let Some(bad) = list.iter().find(|f| !features::ALL.contains(&f.as_str())) {
                return usage_error(&format!(
                    "unknown feature `{bad}`; features are {}",
                    features::ALL.join(", ")
                ));
            }
            (list.clone(), "from --features".to_owned())
        }
        None => features::discover(&discovery).await,
    };
    eprintln!("features: {} ({how})", features.join(", "));
    let config = runner::RunConfig {
        jobs: args.jobs,
        scale: args.timeout_scale,
        clients: usize::from(args.clients),
        progress: std::io::stderr().is_terminal() && selected.len() > 20,
        features,
        nodes,
    };
    let results = runner::run(selected, connector, params, &config).await;
    let rerun = match &args.url {
        Some(u) => format!("socketio-conformance run {u} {}", args.nodes.join(" "))
            .trim_end()
            .to_owned(),
        None => match &args.testee {
            Some(t) => format!("socketio-conformance run --testee {t}"),
            None => "socketio-conformance run".to_owned(),
        },
    };
    let color = args.output.is_none() && std::io::stdout().is_terminal();
    let text = match args.format {
        Format::Human => report::human(&results, args.trace, &rerun, color),
        Format::Json => {
            serde_json::to_string_pretty(&report::json(&results, url)).unwrap_or_default() + "\n"
        }
        Format::Junit => report::junit(&results, url),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return usage_error(&format!("cannot write {}: {e}", path.display()));
            }
            println!("{}", report::summary(&results));
        }
        None => print!("{text}"),
    }
    match expectations {
        Some(expected) => {
            let mismatches = expected.mismatches(&results);
            for m in &mismatches {
                eprintln!(
                    "expectation mismatch: {} is {}, expected {}{}",
                    m.id,
                    m.got.label(),
                    m.expected_label(),
                    m.reason
                        .as_deref()
                        .map_or(String::new(), |r| format!(" ({r})"))
                );
            }
            if mismatches.is_empty() {
                eprintln!(
                    "every outcome matches {}",
                    args.expect.as_deref().unwrap_or(Path::new("")).display()
                );
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        None => {
            let failed = results
                .iter()
                .any(|r| matches!(r.verdict.grade, Grade::Fail | Grade::Error));
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
