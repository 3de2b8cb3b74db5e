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
}

impl Permissions {
    pub fn from_config(config: &Config) -> Permissions {
        Permissions {
            matrix_admins: config.matrix.admins.clone(),
            discord_users: config.discord.admin_user_ids.clone(),
            discord_roles: config.discord.admin_role_ids.clone(),
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
}
