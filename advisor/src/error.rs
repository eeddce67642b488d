//! Errors of the advisor. Every one is the client's doing (the server answers
//! 400 with the message), so each message names the field, criterion or rule
//! at fault.

use thiserror::Error;

/// A match request, policy rule set or plan that cannot be used as given.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AdviceError {
    /// The JSON does not have the expected shape (unknown key, wrong type).
    #[error("invalid {what} JSON: {reason}")]
    Json {
        /// What was being read: "match request", "policy rules", "plan".
        what: &'static str,
        /// The parser's message, which names the key at fault.
        reason: String,
    },
    /// `layers` is empty or names a layer that holds no sites.
    #[error("layers: {0}")]
    InvalidLayers(String),
    /// `limit` is outside 1..=200.
    #[error("limit must be between 1 and {max}, got {got}")]
    InvalidLimit {
        /// The limit asked for.
        got: usize,
        /// The largest limit.
        max: usize,
    },
    /// A criterion names a field the advisor does not know.
    #[error("criterion {index}: unknown field `{field}` (known fields: {known})")]
    UnknownField {
        /// Position of the criterion in the request, from 0.
        index: usize,
        /// The field as given.
        field: String,
        /// The known fields, comma-separated.
        known: String,
    },
    /// A criterion whose values do not suit its field (bad range, weight...).
    #[error("criterion {index} (`{field}`): {reason}")]
    InvalidCriterion {
        /// Position of the criterion in the request, from 0.
        index: usize,
        /// The criterion's field, or `near` for a proximity criterion.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A policy rule that cannot be applied (unsorted steps, percentage above 100...).
    #[error("policy rule `{rule}`: {reason}")]
    InvalidRule {
        /// The rule's id (or its position when it has none).
        rule: String,
        /// What is wrong.
        reason: String,
    },
    /// A plan value that is missing, negative or not a number.
    #[error("plan field `{field}`: {reason}")]
    InvalidPlan {
        /// The plan field at fault.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}
