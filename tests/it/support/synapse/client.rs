//! The human side of a conversation: a raw-HTTP Matrix client (no matrix-sdk) that registers,
//! posts and reads as a person in a chat client would.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{HISTORY_LIMIT, HTTP_TIMEOUT, LONG_POLL};

/// A non-2xx answer (or a transport failure) from the homeserver.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub method: Method,
    pub url: String,
    /// `None` if no HTTP response arrived at all.
    pub status: Option<StatusCode>,
    /// The response body (a Matrix error is `{"errcode", "error"}`), or the
    /// transport error as a JSON string.
    pub body: Value,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.status.map_or("no response".into(), |s| s.to_string());
        write!(f, "{} {} -> {status}: {}", self.method, self.url, self.body)?;
        if self.status == Some(StatusCode::TOO_MANY_REQUESTS) {
            write!(f, " (rate limited: open this limiter in homeserver_config)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

pub(super) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(HTTP_TIMEOUT)
        .build()
        .expect("building a reqwest client")
}

/// Sends one request and decodes the JSON answer.
pub(super) async fn send(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    query: &[(&str, &str)],
    body: Option<&Value>,
    timeout: Option<Duration>,
) -> Result<Value, ApiError> {
    let mut request = http.request(method.clone(), url).query(query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let error = |status, body| ApiError {
        method: method.clone(),
        url: url.to_owned(),
        status,
        body,
    };
    let response = request
        .send()
        .await
        .map_err(|e| error(None, Value::String(e.to_string())))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| error(Some(status), Value::String(e.to_string())))?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status.is_success() {
        Ok(body)
    } else {
        Err(error(Some(status), body))
    }
}

/// Percent-encodes one URL path segment (room ids contain `!`, `:`; aliases `#`).
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A fresh transaction id; unique in the process, so clones of a user (which
/// share a device) never have their messages deduplicated by the server.
fn txn_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "harness-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A logged-in Matrix account, driven through the raw client-server API as a
/// person in a chat client would: create rooms, invite, post, read.
///
/// Every method panics with the request and the server's answer if the
/// homeserver refuses, so tests read as a plain script of actions; use
/// [`MatrixUser::try_api`] to assert on refusals.
///
/// Its HTTP client pools connections on the tokio runtime that first used
/// it: keep a `MatrixUser` within one test (clones included) and register
/// fresh users in each test rather than sharing them through a static.
#[derive(Debug, Clone)]
pub struct MatrixUser {
    pub user_id: String,
    pub access_token: String,
    pub password: String,
    base_url: String,
    http: reqwest::Client,
}

impl MatrixUser {
    pub(super) fn from_session(
        base_url: &str,
        session: &Value,
        password: &str,
        http: reqwest::Client,
    ) -> Self {
        let field = |name: &str| {
            session[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name:?} in login response {session}"))
                .to_owned()
        };
        MatrixUser {
            user_id: field("user_id"),
            access_token: field("access_token"),
            password: password.to_owned(),
            base_url: base_url.to_owned(),
            http,
        }
    }

    /// Calls the API as this user. `path` starts with `/_matrix/...` and may
    /// carry a query string. Returns the JSON answer or the refusal.
    pub async fn try_api(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        self.call(method, path, &[], body, None).await
    }

    /// Like [`MatrixUser::try_api`], panicking if the server refuses.
    pub async fn api(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        self.try_api(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{} could not call the API: {e}", self.user_id))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        timeout: Option<Duration>,
    ) -> Result<Value, ApiError> {
        let url = format!("{}{path}", self.base_url);
        send(
            &self.http,
            method,
            &url,
            Some(&self.access_token),
            query,
            body,
            timeout,
        )
        .await
    }

    /// [`MatrixUser::call`] that panics naming `action` when refused.
    async fn must(
        &self,
        action: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Value {
        self.call(method, path, query, body, None)
            .await
            .unwrap_or_else(|e| panic!("{} could not {action}: {e}", self.user_id))
    }

    /// Creates a private room named `name` (empty: no name) and invites
    /// `invite`. `is_direct` makes it a DM the way clients do (the invites
    /// carry `is_direct`, and the room is recorded in the creator's
    /// `m.direct`). `encrypted` turns on Megolm encryption from the start.
    /// Returns the room id.
    pub async fn create_room(
        &self,
        name: &str,
        invite: &[&str],
        is_direct: bool,
        encrypted: bool,
    ) -> String {
        let mut body = json!({
            "preset": if is_direct { "trusted_private_chat" } else { "private_chat" },
            "invite": invite,
            "is_direct": is_direct,
        });
        if !name.is_empty() {
            body["name"] = json!(name);
        }
        if encrypted {
            body["initial_state"] = json!([{
                "type": "m.room.encryption",
                "state_key": "",
                "content": { "algorithm": "m.megolm.v1.aes-sha2" },
            }]);
        }
        let created = self
            .must(
                "create a room",
                Method::POST,
                "/_matrix/client/v3/createRoom",
                &[],
                Some(&body),
            )
            .await;
        let room_id = created["room_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no room_id in {created}"))
            .to_owned();
        if is_direct {
            self.mark_direct(&room_id, invite).await;
        }
        room_id
    }

    /// Adds `room_id` to this user's `m.direct` account data for `users`.
    async fn mark_direct(&self, room_id: &str, users: &[&str]) {
        let path = format!(
            "/_matrix/client/v3/user/{}/account_data/m.direct",
            encode(&self.user_id)
        );
        let mut direct = match self.call(Method::GET, &path, &[], None, None).await {
            Ok(direct) => direct,
            Err(e) if e.status == Some(StatusCode::NOT_FOUND) => json!({}),
            Err(e) => panic!("{} could not read m.direct: {e}", self.user_id),
        };
        for user in users {
            let mut rooms = direct[*user].as_array().cloned().unwrap_or_default();
            if !rooms.iter().any(|r| r == room_id) {
                rooms.push(json!(room_id));
            }
            direct[*user] = Value::Array(rooms);
        }
        self.must("update m.direct", Method::PUT, &path, &[], Some(&direct))
            .await;
    }

    /// Joins a room by id or alias (after an invite, for private rooms);
    /// returns the room id.
    pub async fn join(&self, room: &str) -> String {
        let path = format!("/_matrix/client/v3/join/{}", encode(room));
        let joined = self
            .must(
                &format!("join {room}"),
                Method::POST,
                &path,
                &[],
                Some(&json!({})),
            )
            .await;
        joined["room_id"].as_str().unwrap_or(room).to_owned()
    }

    /// Sends an `m.room.message` with arbitrary `content`; returns the event id.
    pub async fn send_message(&self, room_id: &str, content: &Value) -> String {
        self.send_event(room_id, "m.room.message", content).await
    }

    /// Sends a message event of any type; returns the event id.
    pub async fn send_event(&self, room_id: &str, event_type: &str, content: &Value) -> String {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/{}/{}",
            encode(room_id),
            encode(event_type),
            txn_id()
        );
        let sent = self
            .must(
                &format!("send {event_type} to {room_id}"),
                Method::PUT,
                &path,
                &[],
                Some(content),
            )
            .await;
        sent["event_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no event_id in {sent}"))
            .to_owned()
    }

    /// Sends a plain text message; returns the event id.
    pub async fn send_text(&self, room_id: &str, body: &str) -> String {
        self.send_message(room_id, &json!({ "msgtype": "m.text", "body": body }))
            .await
    }

    /// Posts into the thread rooted at `root_event_id` (creating it if this
    /// is the first reply); returns the event id. The reply fallback for
    /// thread-unaware clients points at the root.
    pub async fn send_in_thread(&self, room_id: &str, root_event_id: &str, body: &str) -> String {
        let content = json!({
            "msgtype": "m.text",
            "body": body,
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root_event_id,
                "is_falling_back": true,
                "m.in_reply_to": { "event_id": root_event_id },
            },
        });
        self.send_message(room_id, &content).await
    }

    /// The latest (up to 100) timeline events of a room this user is in,
    /// **oldest first**, state events included.
    pub async fn room_messages(&self, room_id: &str) -> Vec<Value> {
        let path = format!("/_matrix/client/v3/rooms/{}/messages", encode(room_id));
        let limit = HISTORY_LIMIT.to_string();
        let page = self
            .must(
                &format!("read the messages of {room_id}"),
                Method::GET,
                &path,
                &[("dir", "b"), ("limit", &limit)],
                None,
            )
            .await;
        let mut events = page["chunk"].as_array().cloned().unwrap_or_default();
        events.reverse();
        events
    }

    /// User ids of the room's joined members, sorted.
    pub async fn joined_members(&self, room_id: &str) -> Vec<String> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/joined_members",
            encode(room_id)
        );
        let members = self
            .must(
                &format!("list the members of {room_id}"),
                Method::GET,
                &path,
                &[],
                None,
            )
            .await;
        let joined = members["joined"].as_object().cloned().unwrap_or_default();
        joined
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Sends a text message and waits for the first event matching `predicate(message id,
    /// event)`, the way an open client sees it: the sync position is taken before the message
    /// goes out, so only the long poll runs while others react. Returns the message id, the
    /// event and the time from sending to seeing the event.
    ///
    /// # Panics
    ///
    /// After `timeout`.
    pub async fn send_and_wait(
        &self,
        room_id: &str,
        body: &str,
        timeout: Duration,
        predicate: impl Fn(&str, &Value) -> bool,
    ) -> (String, Value, Duration) {
        let since = self.sync_position().await;
        let started = Instant::now();
        let id = self.send_text(room_id, body).await;
        let event = self
            .poll_room(room_id, since, started + timeout, &|ev: &Value| {
                predicate(&id, ev)
            })
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{} saw no matching event in {room_id} within {timeout:?}",
                    self.user_id
                )
            });
        (id, event, started.elapsed())
    }

    /// Like [`MatrixUser::wait_for_event`], but only events that come after
    /// the event `after_event_id` in the room's timeline count, e.g. the
    /// bot's answer to a given question.
    pub async fn wait_for_event_after(
        &self,
        room_id: &str,
        after_event_id: &str,
        timeout: Duration,
        predicate: impl Fn(&Value) -> bool,
    ) -> Value {
        self.wait_for_event_inner(room_id, Some(after_event_id), timeout, &predicate)
            .await
    }

    async fn wait_for_event_inner<P: Fn(&Value) -> bool>(
        &self,
        room_id: &str,
        after: Option<&str>,
        timeout: Duration,
        predicate: &P,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        // Take the sync position *before* reading history: every event is
        // then either in the history or in a later sync response.
        let since = self.sync_position().await;
        let history = self.room_messages(room_id).await;
        let start = after
            .and_then(|id| history.iter().position(|ev| ev["event_id"] == id))
            .map_or(0, |i| i + 1);
        if let Some(event) = history[start..].iter().find(|ev| predicate(ev)) {
            return event.clone();
        }
        match self.poll_room(room_id, since, deadline, predicate).await {
            Some(event) => event,
            None => {
                let recent = self.room_messages(room_id).await;
                let shown = &recent[recent.len().saturating_sub(15)..];
                let lines: Vec<String> = shown.iter().map(describe_event).collect();
                panic!(
                    "{} saw no matching event in {room_id} within {timeout:?}; latest events:\n  {}",
                    self.user_id,
                    lines.join("\n  ")
                );
            }
        }
    }

    /// Waits until `user_id` is a joined member of `room_id` (this user must
    /// be in the room).
    ///
    /// # Panics
    ///
    /// After `timeout`, listing the members.
    pub async fn wait_until_joined(&self, room_id: &str, user_id: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let since = self.sync_position().await;
        if self
            .joined_members(room_id)
            .await
            .iter()
            .any(|m| m == user_id)
        {
            return;
        }
        let is_join = |ev: &Value| {
            ev["type"] == "m.room.member"
                && ev["state_key"] == user_id
                && ev["content"]["membership"] == "join"
        };
        if self
            .poll_room(room_id, since, deadline, &is_join)
            .await
            .is_none()
        {
            let members = self.joined_members(room_id).await;
            panic!("{user_id} did not join {room_id} within {timeout:?}; members: {members:?}");
        }
    }

    /// A `/sync` token for "now", cheaply (no rooms in the response).
    async fn sync_position(&self) -> String {
        let filter = json!({
            "room": { "rooms": [] },
            "presence": { "not_types": ["*"] },
            "account_data": { "not_types": ["*"] },
        })
        .to_string();
        let response = self.sync(None, &filter, Duration::ZERO).await;
        response["next_batch"]
            .as_str()
            .unwrap_or_else(|| panic!("no next_batch in {response}"))
            .to_owned()
    }

    /// Long-polls `/sync` from `since` until an event of `room_id`'s timeline
    /// matches, or `deadline` passes (then `None`).
    async fn poll_room<P: Fn(&Value) -> bool>(
        &self,
        room_id: &str,
        mut since: String,
        deadline: Instant,
        predicate: &P,
    ) -> Option<Value> {
        let filter = json!({
            "room": {
                "rooms": [room_id],
                "timeline": { "limit": HISTORY_LIMIT },
                "ephemeral": { "not_types": ["*"] },
                "account_data": { "not_types": ["*"] },
            },
            "presence": { "not_types": ["*"] },
            "account_data": { "not_types": ["*"] },
        })
        .to_string();
        loop {
            let wait = remaining(deadline);
            if wait.is_zero() {
                return None;
            }
            let response = self.sync(Some(&since), &filter, wait).await;
            let timeline = &response["rooms"]["join"][room_id]["timeline"];
            if let Some(event) = timeline["events"]
                .as_array()
                .and_then(|events| events.iter().find(|ev| predicate(ev)))
            {
                return Some(event.clone());
            }
            if timeline["limited"] == true {
                // More arrived than one response holds: check the gap too.
                if let Some(event) = self
                    .room_messages(room_id)
                    .await
                    .into_iter()
                    .find(|ev| predicate(ev))
                {
                    return Some(event);
                }
            }
            since = response["next_batch"]
                .as_str()
                .unwrap_or_else(|| panic!("no next_batch in {response}"))
                .to_owned();
        }
    }

    /// One `/sync` request that waits up to `wait` (capped at [`LONG_POLL`])
    /// for news.
    async fn sync(&self, since: Option<&str>, filter: &str, wait: Duration) -> Value {
        let wait = wait.min(LONG_POLL);
        let timeout_ms = wait.as_millis().to_string();
        let mut query = vec![("filter", filter), ("timeout", timeout_ms.as_str())];
        if let Some(since) = since {
            query.push(("since", since));
        }
        self.call(
            Method::GET,
            "/_matrix/client/v3/sync",
            &query,
            None,
            Some(wait + HTTP_TIMEOUT),
        )
        .await
        .unwrap_or_else(|e| panic!("{} could not sync: {e}", self.user_id))
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// One line describing an event, for failure messages.
fn describe_event(event: &Value) -> String {
    let kind = event["type"].as_str().unwrap_or("?");
    let sender = event["sender"].as_str().unwrap_or("?");
    let content = &event["content"];
    let detail = match kind {
        "m.room.message" => format!("{:?}", content["body"].as_str().unwrap_or_default()),
        "m.room.member" => format!(
            "{} {}",
            event["state_key"].as_str().unwrap_or("?"),
            content["membership"].as_str().unwrap_or("?")
        ),
        _ => String::new(),
    };
    let id = event["event_id"].as_str().unwrap_or("?");
    format!("{id} {sender} {kind} {detail}")
}

#[cfg(test)]
#[allow(unused_imports)] // also compiled into the benches, which have no #[test]s
mod unit_tests {
    use super::*;

    #[test]
    fn encode_escapes_room_ids_and_aliases() {
        assert_eq!(encode("!abc:localhost"), "%21abc%3Alocalhost");
        assert_eq!(encode("#talks:localhost"), "%23talks%3Alocalhost");
    }
}
