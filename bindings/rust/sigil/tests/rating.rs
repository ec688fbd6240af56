//! Conversation ratings against the harness's rating API.

mod common;

use common::Harness;
use serde_json::json;
use sigil::*;

#[test]
fn ratings_are_submitted_and_errors_are_classified() {
    let h = Harness::start();
    let client = h.client(Protocol::None);
    let input = ConversationRatingInput {
        rating_id: "rat-1".into(),
        rating: ConversationRatingValue::Good,
        comment: "Helpful answer".into(),
        metadata: json!({"channel": "web", "score": 5}).as_object().unwrap().clone(),
        generation_id: "gen-rated-1".into(),
        rater_id: "user-7".into(),
        source: "sdk".into(),
    };
    let answer = client.submit_conversation_rating("conv 2/a", &input).unwrap();
    assert_eq!(answer.rating.rating_id, "rat-1");
    assert_eq!(answer.rating.conversation_id, "conv 2/a");
    assert_eq!(answer.rating.rating, ConversationRatingValue::Good);
    assert_eq!(answer.rating.comment, "Helpful answer");
    assert_eq!(answer.rating.metadata["score"], json!(5));
    assert!(!answer.rating.created_at.is_empty() && answer.rating.created_at_time.is_some());
    assert_eq!((answer.summary.total_count, answer.summary.good_count), (1, 1));
    assert!(answer.raw_json.contains("\"summary\""));

    let captured = h.captures("ratings");
    assert_eq!(captured[0]["raw_path"], "/api/v1/conversations/conv%202%2Fa/ratings");
    assert_eq!(captured[0]["json"]["rating"], "CONVERSATION_RATING_VALUE_GOOD");
    assert_eq!(captured[0]["json"]["metadata"], json!({"channel": "web", "score": 5}));

    let bad = ConversationRatingInput {
        rating: ConversationRatingValue::Bad,
        rating_id: "rat-2".into(),
        ..Default::default()
    };
    let answer =
        client.submit_conversation_rating_with_timeout("conv 2/a", &bad, std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(answer.summary.latest_rating, ConversationRatingValue::Bad);
    assert!(answer.summary.has_bad_rating);

    let unrated = ConversationRatingInput { rating_id: "rat-3".into(), ..Default::default() };
    assert!(matches!(client.submit_conversation_rating("c", &unrated), Err(Error::RatingValidationFailed(_))));
    assert!(matches!(client.submit_conversation_rating("", &input), Err(Error::RatingValidationFailed(_))));

    h.script("api", json!([{"status": 409, "body": {"error": "rating conflict"}}]));
    assert!(matches!(client.submit_conversation_rating("c", &input), Err(Error::RatingConflict(_))));
    h.script("api", json!([{"status": 400, "body": {"error": "no"}}]));
    assert!(matches!(client.submit_conversation_rating("c", &input), Err(Error::Rejected(_))));
    h.script("api", json!([{"status": 500}]));
    assert!(matches!(client.submit_conversation_rating("c", &input), Err(Error::TransportError(_))));
}
