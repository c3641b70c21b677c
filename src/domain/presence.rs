//! Presence and activity as the wire names them: an agent's status, typing, the page a visitor
//! is on.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Online,
    Away,
    Offline,
}

impl TryFrom<String> for AgentStatus {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "online" => Ok(AgentStatus::Online),
            "away" => Ok(AgentStatus::Away),
            "offline" => Ok(AgentStatus::Offline),
            other => Err(format!("unknown status {other:?}")),
        }
    }
}

impl AgentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Online => "online",
            AgentStatus::Away => "away",
            AgentStatus::Offline => "offline",
        }
    }

    /// An agent's status over several connections: online beats away beats offline.
    pub fn best(statuses: impl IntoIterator<Item = AgentStatus>) -> AgentStatus {
        let mut best = AgentStatus::Offline;
        for status in statuses {
            match status {
                AgentStatus::Online => return AgentStatus::Online,
                AgentStatus::Away => best = AgentStatus::Away,
                AgentStatus::Offline => {}
            }
        }
        best
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypingState {
    On,
    Off,
}

/// The page a visitor is on, as its widget reports it (already cut to the limits).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageInfo {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub referrer: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::AgentStatus::{Away, Offline, Online};
    use super::*;

    #[test]
    fn online_beats_away_beats_offline() {
        assert_eq!(AgentStatus::best([Away, Online, Offline]), Online);
        assert_eq!(AgentStatus::best([Offline, Away]), Away);
        assert_eq!(AgentStatus::best([]), Offline);
    }
}
