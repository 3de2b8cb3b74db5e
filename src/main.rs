//! The `talkwatch` binary: all behaviour, the async runtime included, lives in the library.
//!
//! `adapters::cli::main` drives the program's futures from inside the library, so their code is
//! generated once, there. Polling `cli::run` here (`#[tokio::main]`) generated the whole async
//! call tree a second time in this crate: a third of a clean release build.

fn main() -> std::process::ExitCode {
    talkwatch::adapters::cli::main()
}
