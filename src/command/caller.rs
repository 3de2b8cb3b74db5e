//! Who is asking, and whether they are an admin (from config).

use crate::config::Config;

/// Who is asking, as the platform knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The local terminal: whoever runs the binary owns the data.
    Local,
    Matrix {
        user_id: String,
    },
    Discord {
        user_id: u64,
        role_ids: Vec<u64>,
    },
}

impl Identity {
    /// Who, for records: a Matrix user id, a Discord user id, or "local".
    pub fn label(&self) -> String {
        match self {
            Identity::Local => "local".into(),
            Identity::Matrix { user_id } => user_id.clone(),
            Identity::Discord { user_id, .. } => user_id.to_string(),
        }
    }

    /// The platform's name, for metrics and logs.
    pub fn platform(&self) -> &'static str {
        match self {
            Identity::Local => "cli",
            Identity::Matrix { .. } => "matrix",
            Identity::Discord { .. } => "discord",
        }
    }
}

/// A message's sender and where it was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub identity: Identity,
    /// Room or channel id, for logs.
    pub place: Option<String>,
}

impl Caller {
    pub fn local() -> Caller {
        Caller {
            identity: Identity::Local,
            place: None,
        }
    }
}

/// Decides who is an admin, from config.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    matrix_admins: Vec<String>,
    discord_users: Vec<u64>,
    discord_roles: Vec<u64>,
    matrix_inviters: Vec<String>,
    matrix_servers: Vec<String>,
}

impl Permissions {
    pub fn from_config(config: &Config) -> Permissions {
        Permissions {
            matrix_admins: config.matrix.admins.clone(),
            discord_users: config.discord.admin_user_ids.clone(),
            discord_roles: config.discord.admin_role_ids.clone(),
            matrix_inviters: config.matrix.allowed_inviters.clone(),
            matrix_servers: config.matrix.allowed_servers.clone(),
        }
    }

    pub fn is_admin(&self, identity: &Identity) -> bool {
        match identity {
            Identity::Local => true,
            Identity::Matrix { user_id } => self.matrix_admins.iter().any(|a| a == user_id),
            Identity::Discord { user_id, role_ids } => {
                self.discord_users.contains(user_id)
                    || role_ids.iter().any(|r| self.discord_roles.contains(r))
            }
        }
    }

    /// Whether the Matrix bot may accept an invite from `inviter` (`matrix.allowed_inviters`,
    /// `matrix.allowed_servers`; with neither, only users of the bot's own server).
    pub fn may_invite(&self, inviter: &str, own_server: &str) -> bool {
        invite_allowed(
            inviter,
            own_server,
            &self.matrix_inviters,
            &self.matrix_servers,
        )
    }
}

/// Whether an invite from `inviter` may be accepted: listed patterns (`*` wildcards) or servers;
/// with neither configured, only users of the bot's own server.
fn invite_allowed(
    inviter: &str,
    own_server: &str,
    allowed_inviters: &[String],
    allowed_servers: &[String],
) -> bool {
    let server = inviter.split_once(':').map(|(_, s)| s).unwrap_or_default();
    if allowed_inviters.is_empty() && allowed_servers.is_empty() {
        return server.eq_ignore_ascii_case(own_server);
    }
    allowed_servers
        .iter()
        .any(|s| s.eq_ignore_ascii_case(server))
        || allowed_inviters.iter().any(|p| glob(p, inviter))
}

/// `*` matches any run of characters; everything else literally (case-insensitive).
fn glob(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let text = text.to_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_come_from_config() {
        let mut cfg = Config::default();
        cfg.matrix.admins = vec!["@alice:example.org".into()];
        cfg.discord.admin_role_ids = vec![7];
        let p = Permissions::from_config(&cfg);
        assert!(p.is_admin(&Identity::Local));
        assert!(p.is_admin(&Identity::Matrix {
            user_id: "@alice:example.org".into()
        }));
        assert!(!p.is_admin(&Identity::Matrix {
            user_id: "@bob:example.org".into()
        }));
        assert!(p.is_admin(&Identity::Discord {
            user_id: 1,
            role_ids: vec![7]
        }));
        assert!(!p.is_admin(&Identity::Discord {
            user_id: 1,
            role_ids: vec![8]
        }));
    }

    #[test]
    fn invites_default_to_the_own_server() {
        assert!(invite_allowed(
            "@alice:example.org",
            "example.org",
            &[],
            &[]
        ));
        assert!(!invite_allowed(
            "@mallory:evil.example",
            "example.org",
            &[],
            &[]
        ));
        let servers = vec!["friends.example".to_string()];
        assert!(invite_allowed(
            "@bob:friends.example",
            "example.org",
            &[],
            &servers
        ));
        assert!(!invite_allowed(
            "@alice:example.org",
            "example.org",
            &[],
            &servers
        ));
        let people = vec!["@ops-*:example.org".to_string()];
        assert!(invite_allowed(
            "@ops-anna:example.org",
            "example.org",
            &people,
            &[]
        ));
        assert!(!invite_allowed(
            "@anna:example.org",
            "example.org",
            &people,
            &[]
        ));
    }

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("@*:example.org", "@x:example.org"));
        assert!(!glob("@*:example.org", "@x:example.org.evil"));
        assert!(glob("@a*b*c", "@aXXbYYc"));
        assert!(!glob("@a*b*c", "@aXXcYYb"));
    }
}
