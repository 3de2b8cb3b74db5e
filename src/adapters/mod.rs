//! Platform adapters: each translates between one platform and the [`crate::command::Handler`].
//!
//! Architecture Invariant: only these modules import a platform SDK (serenity, matrix-sdk), and
//! they hold no search or permission logic: they say who asked, pass the text on, and render the
//! [`crate::reply::Reply`] they get back. [`service`] runs the enabled ones side by side for
//! `talkwatch run`.

pub mod cli;
pub mod discord;
pub mod matrix;
pub mod service;
