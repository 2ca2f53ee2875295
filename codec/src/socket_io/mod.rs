//! Socket.IO: packets, binary attachments and the stateful decoder.
