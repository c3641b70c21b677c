//! Visitors rate their resolved conversations: a score of 1 to 5 and an optional comment.

use super::{Chat, ChatError, ChatResult, ConversationRef};
use crate::domain::{Conversation, Rating, Timestamp};
use crate::store::Rated;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// A score and comment as a stranger sent them, checked: 1 to 5, a comment with no control
/// characters and at most `MAX_COMMENT_CHARS`, blank meaning none.
pub fn checked(score: i64, comment: Option<String>) -> ChatResult<(u8, Option<String>)> {
    let score = u8::try_from(score)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| ChatError::BadRequest("score must be 1 to 5".into()))?;
    let comment = match comment {
        None => None,
        Some(text) => {
            crate::domain::input::check_text("comment", &text)
                .map_err(|e| ChatError::BadRequest(e.to_string()))?;
            if text.chars().count() > MAX_COMMENT_CHARS {
                return Err(ChatError::TooLarge(format!(
                    "comment is longer than {MAX_COMMENT_CHARS} characters"
                )));
            }
            crate::domain::input::has_visible(&text).then(|| text.trim().to_owned())
        }
    };
    Ok((score, comment))
}

impl Chat {
    /// Records the visitor's rating (again replaces it) and tells the workspace's agents.
    pub async fn rate(
        &self,
        conversation: ConversationRef,
        score: u8,
        comment: Option<String>,
    ) -> ChatResult<Conversation> {
        let rating = Rating {
            score,
            comment,
            created_at: Timestamp::now(),
        };
        let rated = self
            .store()
            .rate_conversation(
                conversation.workspace_id,
                conversation.visitor_id,
                conversation.id,
                &rating,
            )
            .await?;
        match rated {
            Rated::Rated(conversation) => {
                super::announce::conversation_changed(
                    self.store(),
                    self.bus(),
                    conversation.clone(),
                )
                .await;
                self.post_line(&conversation, super::lines::Line::Rated(score))
                    .await;
                Ok(conversation)
            }
            Rated::NotFound => Err(ChatError::NotFound),
            Rated::StillOpen => Err(ChatError::Conflict(
                "a conversation is rated once it is resolved".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_comments_are_checked() {
        assert_eq!(
            checked(4, Some(" great ".into())).unwrap(),
            (4, Some("great".into()))
        );
        assert_eq!(checked(1, Some(" \u{200b} ".into())).unwrap(), (1, None));
        for bad in [0, 6, -1, 256, i64::MAX] {
            assert!(
                matches!(checked(bad, None), Err(ChatError::BadRequest(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            checked(3, Some("a\u{0}".into())),
            Err(ChatError::BadRequest(_))
        ));
        assert!(matches!(
            checked(3, Some("x".repeat(1001))),
            Err(ChatError::TooLarge(_))
        ));
    }
}
