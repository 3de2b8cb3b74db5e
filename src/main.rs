//! The `talkwatch` binary: parses arguments and maps the outcome to an exit code.
//! All behaviour lives in the library.

use clap::Parser;
use talkwatch::adapters::cli::{self, Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let exit = cli::run(cli).await;
    std::process::ExitCode::from(exit as u8)
}
