//! The event-handling half of the adapter: invites, messages, answers in threads, progress of
//! long commands, watch alerts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::{
    AddMentions, MessageType, OriginalSyncRoomMessageEvent, Relation, ReplacementMetadata,
    ReplyWithinThread, RoomMessageEventContent,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedUserId};
use matrix_sdk::{Client, Room, RoomState};

use super::render::{self, BotNames, Trigger};
use super::{PROGRESS_EVERY, TYPING_AFTER};
use crate::command::{Caller, Handler, Identity};
use crate::messages::{self, Paging, Syntax};
use crate::reply::Reply;
use crate::watch::Alert;

/// The event-handling half of the adapter, shared by the sync loop's handlers.
pub(super) struct Bot {
    pub(super) handler: Arc<Handler>,
    pub(super) names: Mutex<BotNames>,
    pub(super) own_user: OwnedUserId,
    pub(super) prefix: String,
    /// Event ids already taken care of, the most recent few thousand.
    pub(super) seen: Mutex<lru::LruCache<OwnedEventId, ()>>,
    /// Per room, the last answer or list with a further page: the line that asked for it and
    /// where its next page starts (`!more`), for the most recently active rooms.
    pub(super) pages: Mutex<lru::LruCache<String, (String, usize)>>,
}

impl Bot {
    fn syntax(&self) -> Syntax<'_> {
        Syntax {
            prefix: &self.prefix,
            paging: Paging::More,
        }
    }

    pub(super) async fn on_invite(self: Arc<Self>, ev: StrippedRoomMemberEvent, room: Room) {
        if ev.state_key != self.own_user
            || ev.content.membership != MembershipState::Invite
            || room.state() != RoomState::Invited
        {
            return;
        }
        let inviter = ev.sender.to_string();
        if !self
            .handler
            .may_invite(&inviter, self.own_user.server_name().as_str())
        {
            tracing::warn!(room = %room.room_id(), inviter = %inviter, "declining an invite from outside matrix.allowed_inviters / allowed_servers");
            let _ = room.leave().await;
            return;
        }
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(200);
            for attempt in 1..=6 {
                match room.join().await {
                    Ok(()) => {
                        tracing::info!(room = %room.room_id(), inviter = %inviter, "joined a room on invite");
                        return;
                    }
                    Err(e) if attempt < 6 => {
                        tracing::debug!(room = %room.room_id(), error = %e, "join failed; retrying");
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                    Err(e) => {
                        tracing::warn!(room = %room.room_id(), error = %e, "could not join a room after an invite");
                    }
                }
            }
        });
    }

    pub(super) fn on_message(self: Arc<Self>, ev: OriginalSyncRoomMessageEvent, room: Room) {
        if ev.sender == self.own_user || room.state() != RoomState::Joined {
            return;
        }
        // Other bots speak in notices; answering them could loop forever.
        let MessageType::Text(text) = &ev.content.msgtype else {
            return;
        };
        // Edits are not new questions.
        if matches!(ev.content.relates_to, Some(Relation::Replacement(_))) {
            return;
        }
        // Each event is answered once (the sync can deliver one twice across a reconnect).
        if self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(ev.event_id.clone(), ())
            .is_some()
        {
            return;
        }
        let body = text.body.clone();
        let mentioned = ev
            .content
            .mentions
            .as_ref()
            .is_some_and(|m| m.user_ids.contains(&self.own_user));
        tokio::spawn(async move {
            let is_direct = room.is_direct().await.unwrap_or(false);
            let trigger = {
                let names = self.names.lock().unwrap_or_else(|e| e.into_inner()).clone();
                render::trigger(&body, &self.prefix, &names, mentioned, is_direct)
            };
            let Some(trigger) = trigger else {
                crate::metrics::message_ignored("matrix");
                return;
            };
            if let Err(e) = self.answer(trigger, &ev, &room).await {
                tracing::warn!(room = %room.room_id(), event = %ev.event_id, error = %format!("{e:#}"), "could not answer");
            }
        });
    }

    async fn answer(
        &self,
        trigger: Trigger,
        ev: &OriginalSyncRoomMessageEvent,
        room: &Room,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let caller = Caller {
            identity: Identity::Matrix {
                user_id: ev.sender.to_string(),
            },
            place: Some(room.room_id().to_string()),
        };
        // "Typing…" only for slow answers: most take milliseconds, and two extra requests per
        // question cost the homeserver time that delays the reply itself.
        let typing_started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let typing = {
            let room = room.clone();
            let started = typing_started.clone();
            tokio::spawn(async move {
                tokio::time::sleep(TYPING_AFTER).await;
                started.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = room.typing_notice(true).await;
            })
        };
        let room_id = room.room_id().to_string();
        let (reply, kept) = match trigger {
            // "!more", or "more" said to the bot (a mention, a direct message).
            Trigger::Command(text) | Trigger::Question(text)
                if crate::command::asks_for_more(&text) =>
            {
                let last = self
                    .pages
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&room_id)
                    .cloned();
                self.handler.respond_to_more(last, &caller).await
            }
            Trigger::Question(text) => {
                let reply = self.handler.respond_to_question(&text, &caller).await;
                let kept = crate::command::next_page(&reply)
                    .map(|next| (crate::command::paged_question(&text), next));
                (reply, kept)
            }
            Trigger::Command(text) => {
                let reply = self.command_with_progress(&text, &caller, ev, room).await;
                let asked = crate::command::paged_line(&text);
                let kept = crate::command::next_page(&reply).map(|next| (asked, next));
                (reply, kept)
            }
        };
        {
            let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
            match kept {
                Some(kept) => {
                    pages.put(room_id, kept);
                }
                None => {
                    pages.pop(&room_id);
                }
            }
        }
        typing.abort();
        let typed = typing_started.load(std::sync::atomic::Ordering::SeqCst);
        if reply == Reply::Quiet {
            if typed {
                let _ = room.typing_notice(false).await;
            }
            return Ok(());
        }
        let rendered = render::render(&reply, self.syntax());
        let content = RoomMessageEventContent::notice_html(rendered.plain, rendered.html);
        let content = in_thread(content, ev);
        let sent = room.send(content).await;
        if typed {
            let room = room.clone();
            tokio::spawn(async move {
                let _ = room.typing_notice(false).await;
            });
        }
        sent.context("sending the reply failed")?;
        tracing::debug!(room = %room.room_id(), elapsed_ms = started.elapsed().as_millis() as u64, error = reply.is_error(), "answered");
        if reply == Reply::Leaving {
            tracing::info!(room = %room.room_id(), by = %ev.sender, "leaving the room on an admin's request");
            room.leave().await.context("leaving the room failed")?;
        }
        Ok(())
    }

    /// Runs a command; long work (reindex) posts a progress notice in the thread and edits it.
    async fn command_with_progress(
        &self,
        text: &str,
        caller: &Caller,
        ev: &OriginalSyncRoomMessageEvent,
        room: &Room,
    ) -> Reply {
        let notice: Mutex<Option<OwnedEventId>> = Mutex::new(None);
        let notice = &notice;
        crate::command::with_progress(
            PROGRESS_EVERY,
            |progress| {
                self.handler
                    .respond_to_command(text, caller, Some(progress))
            },
            |p| async move {
                let line = messages::reindex_progress(p.done, p.total);
                let posted = notice.lock().unwrap_or_else(|e| e.into_inner()).clone();
                match posted {
                    None => {
                        let first = format!("{}\n{line}", messages::reindex_started());
                        let content = in_thread(RoomMessageEventContent::notice_plain(first), ev);
                        match room.send(content).await {
                            Ok(r) => {
                                *notice.lock().unwrap_or_else(|e| e.into_inner()) =
                                    Some(r.response.event_id)
                            }
                            Err(e) => tracing::warn!(error = %e, "could not post reindex progress"),
                        }
                    }
                    Some(id) => {
                        let content = RoomMessageEventContent::notice_plain(line)
                            .make_replacement(ReplacementMetadata::new(id, None));
                        let _ = room.send(content).await;
                    }
                }
            },
        )
        .await
    }
}

/// Posts watch alerts meant for Matrix rooms this bot is in.
pub(super) async fn deliver_alerts(
    client: Client,
    mut alerts: tokio::sync::broadcast::Receiver<Alert>,
    prefix: String,
) {
    while let Some(alert) = crate::watch::next_alert(&mut alerts, "matrix").await {
        let Some(room) = matrix_sdk::ruma::RoomId::parse(&alert.place)
            .ok()
            .and_then(|id| client.get_room(&id))
        else {
            tracing::warn!(room = %alert.place, "watch alert for a room the bot is not in");
            continue;
        };
        let rendered = render::render(
            &alert.reply,
            Syntax {
                prefix: &prefix,
                paging: Paging::Limit,
            },
        );
        if let Err(e) = room
            .send(RoomMessageEventContent::notice_html(
                rendered.plain,
                rendered.html,
            ))
            .await
        {
            tracing::warn!(room = %alert.place, error = %e, "could not post a watch alert");
        }
    }
}

/// Puts a reply in the question's thread: a new thread rooted at the question, or a reply
/// inside the thread the question was asked in.
pub(super) fn in_thread(
    content: RoomMessageEventContent,
    question: &OriginalSyncRoomMessageEvent,
) -> RoomMessageEventContent {
    let within = if matches!(question.content.relates_to, Some(Relation::Thread(_))) {
        ReplyWithinThread::Yes
    } else {
        ReplyWithinThread::No
    };
    content.make_for_thread(question, within, AddMentions::No)
}
