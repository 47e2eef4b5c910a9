//! SearchRequest: the rootDSE, ordinary searches with AD's MaxPageSize, and paged searches.

use rasn_ldap::{
    Control, LdapMessage, LdapResult, ProtocolOp, ResultCode, SearchRequest, SearchRequestScope,
    SearchResultDone, SearchResultReference,
};

use super::controls::{self, paged_response};
use super::{failure, parse_dn, success, AccessLog};
use crate::error::OpError;
use crate::filter::{self, Compiled};
use crate::search::{self, partial_attribute, Scope, Selection};
use crate::search_cache::{SearchAnswer, SearchKey, MAX_REMEMBERED_ENTRIES};
use crate::session::{Flow, PagedSearch, Session};
use crate::wire::{encode_entry, EntryMessage, OrderedEntry, Reply};

impl Session {
    pub(crate) fn search(
        &mut self,
        id: u32,
        request: SearchRequest,
        request_controls: &[Control],
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "search";
        if AccessLog::wanted() {
            log.dn = request.base_object.to_string();
            log.filter = filter::to_text(&request.filter);
        }
        let scope = match request.scope {
            SearchRequestScope::BaseObject => Scope::Base,
            SearchRequestScope::SingleLevel => Scope::One,
            _ => Scope::Subtree,
        };
        log.scope = match scope {
            Scope::Base => "base",
            Scope::One => "one",
            Scope::Subtree => "sub",
        };
        let key = SearchKey {
            request,
            readers: self.shared.policy.readers(&self.principal),
            global_catalog: self.global_catalog,
        };
        // A search with controls (paged above all) is always run afresh.
        let remembered = if request_controls.is_empty() {
            self.shared.directory.remembered_answer(&key)
        } else {
            None
        };
        let (result, response_controls) = match remembered {
            Some(answer) => (replay(id, &answer, out), Vec::new()),
            None => match self.run_search(id, &key, scope, request_controls, out) {
                Ok(done) => done,
                Err(error) => (failure(error), Vec::new()),
            },
        };
        log.entries = out.iter().filter(|reply| reply.is_entry()).count();
        log.finish(&result);
        let mut done = LdapMessage::new(id, ProtocolOp::SearchResDone(SearchResultDone(result)));
        if !response_controls.is_empty() {
            done.controls = Some(response_controls);
        }
        out.push(Reply::Message(done));
        Flow::Continue
    }

    /// Runs the search; an unpaged answer without controls is remembered under `key`
    /// ([`crate::search_cache`]).
    fn run_search(
        &mut self,
        id: u32,
        key: &SearchKey,
        scope: Scope,
        request_controls: &[Control],
        out: &mut Vec<Reply>,
    ) -> Result<(LdapResult, Vec<Control>), OpError> {
        let request = &key.request;
        let requested = controls::parse(request_controls)?;
        // MaxQueryDuration counts from here; the filter's size is bounded before any work.
        let deadline = search::Deadline::after(self.shared.limits.max_query_duration);
        if filter::terms(&request.filter, filter::MAX_FILTER_TERMS) > filter::MAX_FILTER_TERMS {
            return Err(OpError::new(
                ResultCode::AdminLimitExceeded,
                crate::ad_text::filter_too_large(filter::MAX_FILTER_TERMS),
            ));
        }
        let base = parse_dn(&request.base_object)?;
        self.shared.policy.check_search(&self.principal, &base)?;
        let shared = self.shared.clone();
        let dir = shared.read();
        let attributes: Vec<&str> = request
            .attributes
            .iter()
            .map(|name| name.as_str())
            .collect();
        if base.is_root() && scope == Scope::Base {
            out.push(entry_reply(
                id,
                self.root_dse(&dir, &attributes, request.types_only),
            ));
            return Ok((success(), Vec::new()));
        }
        let selection = Selection::parse(&dir, &attributes);
        let filter = Compiled::compile(&request.filter, &dir);
        let found = if self.global_catalog && base.is_root() && scope == Scope::Subtree {
            search::find_everywhere(&dir, &shared.policy, &self.principal, &filter, deadline)?
        } else {
            search::find(
                &dir,
                &shared.policy,
                &self.principal,
                &base,
                scope,
                &filter,
                deadline,
            )?
        };
        let size_limit = match request.size_limit {
            0 => usize::MAX,
            limit => limit as usize,
        };

        let Some(paged) = requested.paged else {
            let cap = size_limit.min(shared.limits.max_page_size);
            let shown = &found.entries[..found.entries.len().min(cap)];
            let mut remembered = (request_controls.is_empty()
                && shown.len() <= MAX_REMEMBERED_ENTRIES)
                .then(|| Vec::with_capacity(shown.len()));
            for &entry in shown {
                let rendered = search::render(&dir, entry, &selection, request.types_only);
                match remembered
                    .as_mut()
                    .map(|kept| (kept, encode_entry(&rendered)))
                {
                    Some((kept, Ok(encoded))) => {
                        kept.push(encoded.clone());
                        out.push(Reply::EncodedEntry {
                            message_id: id,
                            entry: encoded,
                        });
                    }
                    failed => {
                        if failed.is_some() {
                            remembered = None;
                        }
                        out.push(entry_reply(id, rendered));
                    }
                }
            }
            push_references(id, &found.references, out);
            let result = if found.entries.len() > cap {
                LdapResult::new(ResultCode::SizeLimitExceeded, "".into(), "".into())
            } else {
                success()
            };
            if let Some(entries) = remembered {
                let answer = SearchAnswer {
                    entries,
                    references: found.references,
                    code: result.result_code,
                };
                shared.directory.remember(&dir, key.clone(), answer);
            }
            return Ok((result, Vec::new()));
        };

        let cookie = paged.cookie.to_vec();
        let mut state = if cookie.is_empty() {
            let size_limit_hit = found.entries.len() > size_limit;
            let mut entries = found.entries;
            entries.truncate(size_limit);
            push_references(id, &found.references, out);
            PagedSearch {
                message_id: id,
                base: base.clone(),
                scope,
                filter: filter.clone(),
                entries,
                next: 0,
                selection,
                types_only: request.types_only,
                size_limit_hit,
            }
        } else {
            self.paged.remove(&cookie).ok_or_else(|| {
                OpError::new(
                    ResultCode::UnwillingToPerform,
                    crate::ad_text::unknown_paged_cookie(),
                )
            })?
        };
        if paged.size <= 0 {
            // Page size 0 abandons the paged search (RFC 2696 3).
            return Ok((success(), vec![paged_response(0, Vec::new())]));
        }
        let page = (paged.size as usize).min(shared.limits.max_page_size);
        let end = (state.next + page).min(state.entries.len());
        let base_id = dir.find(&state.base);
        for &entry in &state.entries[state.next..end] {
            // A Global Catalog search is based at "" and spans every naming context.
            let in_scope = state.base.is_root()
                || base_id
                    .is_some_and(|base_id| search::in_scope(&dir, base_id, state.scope, entry));
            let still_visible = in_scope
                && search::matches(&dir, &shared.policy, &self.principal, &state.filter, entry);
            if still_visible {
                out.push(entry_reply(
                    id,
                    search::render(&dir, entry, &state.selection, state.types_only),
                ));
            }
        }
        state.next = end;
        state.message_id = id;
        let total = state.entries.len();
        if state.next < total {
            if self.paged.len() >= shared.limits.max_paged_per_connection {
                // MaxResultSetsPerConn: the oldest open search goes.
                if let Some(oldest) = self
                    .paged
                    .iter()
                    .min_by_key(|(_, search)| search.message_id)
                    .map(|(key, _)| key.clone())
                {
                    self.paged.remove(&oldest);
                }
            }
            let next_cookie: [u8; 8] = rand::random();
            self.paged.insert(next_cookie.to_vec(), state);
            return Ok((success(), vec![paged_response(total, next_cookie.to_vec())]));
        }
        let result = if state.size_limit_hit {
            LdapResult::new(ResultCode::SizeLimitExceeded, "".into(), "".into())
        } else {
            success()
        };
        Ok((result, vec![paged_response(total, Vec::new())]))
    }

    fn root_dse(
        &self,
        dir: &crate::directory::Directory,
        attributes: &[&str],
        types_only: bool,
    ) -> OrderedEntry {
        let all = attributes.is_empty() || attributes.contains(&"*") || attributes.contains(&"+");
        let start_tls = self.shared.tls.is_some();
        let chosen = crate::rootdse::attributes(dir, &self.shared.forest, start_tls)
            .into_iter()
            .filter(|(name, _)| {
                all || attributes
                    .iter()
                    .any(|wanted| wanted.eq_ignore_ascii_case(name))
            })
            .map(|(name, values)| {
                partial_attribute(name, if types_only { Vec::new() } else { values })
            })
            .collect();
        OrderedEntry {
            object_name: Vec::new().into(),
            attributes: chosen,
        }
    }
}

/// A remembered answer, sent as [`Session::run_search`] first sent it.
fn replay(id: u32, answer: &SearchAnswer, out: &mut Vec<Reply>) -> LdapResult {
    for entry in &answer.entries {
        out.push(Reply::EncodedEntry {
            message_id: id,
            entry: entry.clone(),
        });
    }
    push_references(id, &answer.references, out);
    LdapResult::new(answer.code, "".into(), "".into())
}

fn entry_reply(id: u32, entry: OrderedEntry) -> Reply {
    Reply::Entry(EntryMessage {
        message_id: id,
        entry,
    })
}

fn push_references(id: u32, references: &[String], out: &mut Vec<Reply>) {
    for reference in references {
        out.push(super::reply(
            id,
            ProtocolOp::SearchResRef(SearchResultReference(vec![reference.as_str().into()])),
        ));
    }
}
