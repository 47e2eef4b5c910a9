//! Bounded work per request (issue #12): the largest filter, a base DN far deeper than any
//! entry, MaxQueryDuration — each answered with AD's code, never left to run.

use super::*;

fn or_of(terms: usize) -> Filter {
    Filter::Or(SetOf::from_vec(
        (0..terms)
            .map(|i| {
                Filter::EqualityMatch(AttributeValueAssertion::new(
                    "cn".into(),
                    format!("user{i}").into_bytes().into(),
                ))
            })
            .collect(),
    ))
}

#[test]
fn a_filter_of_more_than_512_terms_is_admin_limit_exceeded() {
    let mut session = session();
    bind_admin(&mut session);
    // 511 equalities under one OR: 512 terms, evaluated.
    let replies = send(
        &mut session,
        2,
        search_op(DOMAIN, SearchRequestScope::WholeSubtree, or_of(511), 0),
    );
    assert_eq!(done(&replies).result_code, ResultCode::Success);
    let replies = send(
        &mut session,
        3,
        search_op(DOMAIN, SearchRequestScope::WholeSubtree, or_of(512), 0),
    );
    assert_eq!(done(&replies).result_code, ResultCode::AdminLimitExceeded);
    assert!(
        done(&replies)
            .diagnostic_message
            .starts_with("00002024: SvcErr: DSID-0208043D, problem 5008 (ADMIN_LIMIT_EXCEEDED)"),
        "{:?}",
        done(&replies)
    );
}

#[test]
fn a_base_far_deeper_than_any_entry_is_no_such_object_below_the_domain() {
    let mut session = session();
    bind_admin(&mut session);
    let base = format!("{}{DOMAIN}", "CN=x,".repeat(32_000));
    let replies = send(
        &mut session,
        2,
        search_op(&base, SearchRequestScope::WholeSubtree, everything(), 0),
    );
    assert_eq!(done(&replies).result_code, ResultCode::NoSuchObject);
    assert_eq!(done(&replies).matched_dn.as_str(), DOMAIN);
}

#[test]
fn a_search_past_max_query_duration_is_time_limit_exceeded() {
    let mut session = session_with(Limits {
        max_query_duration: std::time::Duration::ZERO,
        ..Limits::default()
    });
    bind_admin(&mut session);
    // The schema NC holds hundreds of objects: the clock is read after the first 256.
    let schema = format!("CN=Schema,CN=Configuration,{DOMAIN}");
    let replies = send(
        &mut session,
        2,
        search_op(&schema, SearchRequestScope::WholeSubtree, everything(), 0),
    );
    assert_eq!(done(&replies).result_code, ResultCode::TimeLimitExceeded);
    assert!(done(&replies)
        .diagnostic_message
        .contains("(MaxQueryDuration, 0 s)"));
}
