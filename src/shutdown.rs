//! The stop signal of `talkwatch run`. A leaf module: the service that fires it and the tasks
//! that watch it (adapters, feed poller, watch alerts, HTTP server) all import it from here, so
//! none of them imports the service that starts them.

/// Cancelled when the service shuts down; adapters stop taking new work when it fires.
pub type Shutdown = tokio_util::sync::CancellationToken;
