//! Sets up `tracing` once: human-readable lines by default, JSON for machines. The filter comes
//! from `TALKWATCH_LOG` (e.g. `debug`, `talkwatch=debug,tantivy=warn`), else the given default.
//! Logs go to stderr so stdout stays clean for answers and `--json`.

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_env("TALKWATCH_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
