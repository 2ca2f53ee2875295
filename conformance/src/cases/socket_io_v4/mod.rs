//! Socket.IO revision 4 cases (spec/socket-io-v4.md), over Engine.IO v3. They run when the server
//! speaks v3 (socket.io 2, or a modern server with `allowEIO3`).

pub(crate) mod connect;
pub(crate) mod events;
