//! Searches whose cost grows with the directory or the request: which they are, their turn
//! (one at a time, off the async workers), and the busy answer when the turn does not come.

use rasn_ldap::ResultCode;

use crate::session::Flow;

/// A search whose cost grows with the directory or the request: scope beyond the base with a
/// filter other than the few indexed equalities a phone or a publish sends, or a base DN far
/// longer than any real one.
pub(crate) fn may_take_long(message: &rasn_ldap::LdapMessage) -> bool {
    use rasn_ldap::{Filter, ProtocolOp, SearchRequestScope};
    let ProtocolOp::SearchRequest(search) = &message.protocol_op else {
        return false;
    };
    if search.base_object.len() > 1024 {
        return true;
    }
    if search.scope == SearchRequestScope::BaseObject {
        return false;
    }
    let simple = |filter: &Filter| matches!(filter, Filter::EqualityMatch(_) | Filter::Present(_));
    match &search.filter {
        Filter::And(set) | Filter::Or(set) => set.len() > 4 || !set.iter().all(simple),
        filter => !simple(filter),
    }
}

/// Handles a search [`may_take_long`] found heavy: after the heavy searches before it (one at a
/// time), off the async workers ([`run_long`]), or answered busy when its turn does not come
/// within [`HEAVY_TURN_WAIT`].
pub(crate) async fn handle_in_turn(
    session: &mut crate::session::Session,
    message: rasn_ldap::LdapMessage,
    replies: &mut Vec<crate::wire::Reply>,
) -> Flow {
    let turn = session.shared.heavy_work.clone().acquire_owned();
    match tokio::time::timeout(HEAVY_TURN_WAIT, turn).await {
        Ok(_turn) => run_long(|| session.handle(message, replies)),
        Err(_) => busy(&message, replies),
    }
}

/// Runs `work` where it cannot hold up the runtime: on a multi-threaded runtime this worker
/// hands its other tasks over first (`block_in_place`) and runs it at a lower priority
/// ([`crate::priority`]); elsewhere (a test's current-thread runtime) it just runs.
fn run_long<T>(work: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(|| {
            let _lowered = crate::priority::Lowered::new();
            work()
        })
    } else {
        work()
    }
}

/// How long a heavy search waits for its turn before it is answered busy (51): heavy requests
/// queue behind one another, not behind nothing, so each is answered in bounded time.
const HEAVY_TURN_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The answer to a heavy search that did not get its turn in time.
fn busy(message: &rasn_ldap::LdapMessage, replies: &mut Vec<crate::wire::Reply>) -> Flow {
    use rasn_ldap::{LdapMessage, LdapResult, ProtocolOp, SearchResultDone};
    tracing::info!(msgid = message.message_id, "heavy search refused: busy");
    let result = LdapResult::new(ResultCode::Busy, "".into(), crate::ad_text::busy().into());
    replies.push(crate::wire::Reply::Message(LdapMessage::new(
        message.message_id,
        ProtocolOp::SearchResDone(SearchResultDone(result)),
    )));
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasn_ldap::{
        AttributeValueAssertion, Filter, LdapMessage, ProtocolOp, SearchRequest,
        SearchRequestDerefAliases, SearchRequestScope,
    };

    fn search(base: &str, scope: SearchRequestScope, filter: Filter) -> LdapMessage {
        LdapMessage::new(
            7,
            ProtocolOp::SearchRequest(SearchRequest::new(
                base.into(),
                scope,
                SearchRequestDerefAliases::NeverDerefAliases,
                0,
                0,
                false,
                filter,
                Vec::new(),
            )),
        )
    }

    fn equality() -> Filter {
        Filter::EqualityMatch(AttributeValueAssertion::new(
            "objectCategory".into(),
            b"certificationAuthority".to_vec().into(),
        ))
    }

    #[test]
    fn the_phones_search_is_cheap_and_scans_and_huge_bases_are_not() {
        let config = "CN=Configuration,DC=example,DC=test";
        assert!(!may_take_long(&search(
            config,
            SearchRequestScope::WholeSubtree,
            equality()
        )));
        let substring = Filter::Substrings(rasn_ldap::SubstringFilter::new(
            "cn".into(),
            vec![rasn_ldap::SubstringChoice::Any(b"a".to_vec().into())],
        ));
        assert!(may_take_long(&search(
            config,
            SearchRequestScope::WholeSubtree,
            substring.clone()
        )));
        assert!(!may_take_long(&search(
            config,
            SearchRequestScope::BaseObject,
            substring
        )));
        let deep = format!("{}{config}", "CN=x,".repeat(300));
        assert!(may_take_long(&search(
            &deep,
            SearchRequestScope::BaseObject,
            equality()
        )));
    }

    #[test]
    fn a_search_without_its_turn_is_answered_busy() {
        let mut replies = Vec::new();
        let message = search(
            "DC=example,DC=test",
            SearchRequestScope::WholeSubtree,
            equality(),
        );
        assert_eq!(busy(&message, &mut replies), Flow::Continue);
        let [crate::wire::Reply::Message(done)] = replies.as_slice() else {
            panic!("one message: {replies:?}");
        };
        assert_eq!(done.message_id, 7);
        let ProtocolOp::SearchResDone(rasn_ldap::SearchResultDone(result)) = &done.protocol_op
        else {
            panic!("{done:?}");
        };
        assert_eq!(result.result_code, ResultCode::Busy);
        assert!(result.diagnostic_message.starts_with("0000200E"));
    }
}
