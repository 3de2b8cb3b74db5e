//! The one integration test binary: end-to-end tests through the real binary, a real Synapse
//! homeserver and a fake Discord, all on 127.0.0.1.

mod cli;
mod discord;
mod engine;
mod feeds;
mod fold;
mod fuzz;
mod ingest;
mod matrix;
mod packaging;
mod quote;
mod story;
mod support;
mod tls;
