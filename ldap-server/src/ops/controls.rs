//! Request controls: the paged-results control is honoured, the harmless AD controls accepted,
//! any other critical control refused with 12 (RFC 4511 4.1.11), non-critical ones ignored.

use rasn::prelude::*;
use rasn_ldap::{Control, ResultCode};

use crate::ad_text;
use crate::error::OpError;
use crate::rootdse::{PAGED_RESULTS, SUPPORTED_CONTROLS};

/// The paged-results control's value (RFC 2696 realSearchControlValue).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct PagedResultsValue {
    pub size: i32,
    pub cookie: rasn::types::OctetString,
}

/// What the controls of a request ask for.
#[derive(Debug, Default)]
pub struct RequestControls {
    pub paged: Option<PagedResultsValue>,
}

pub fn parse(controls: &[Control]) -> Result<RequestControls, OpError> {
    let mut parsed = RequestControls::default();
    for control in controls {
        let oid = String::from_utf8_lossy(&control.control_type);
        if oid == PAGED_RESULTS {
            let value = control.control_value.as_deref().unwrap_or_default();
            let paged = rasn::ber::decode::<PagedResultsValue>(value).map_err(|_| {
                OpError::new(
                    ResultCode::ProtocolError,
                    crate::ad_text::malformed_control(PAGED_RESULTS),
                )
            })?;
            parsed.paged = Some(paged);
        } else if control.criticality && !SUPPORTED_CONTROLS.contains(&oid.as_ref()) {
            return Err(OpError::new(
                ResultCode::UnavailableCriticalExtension,
                ad_text::unavailable_critical_extension(&oid),
            ));
        }
    }
    Ok(parsed)
}

/// The paged-results response control: total estimate and the cookie for the next page.
pub fn paged_response(size: usize, cookie: Vec<u8>) -> Control {
    let value = PagedResultsValue {
        size: i32::try_from(size).unwrap_or(i32::MAX),
        cookie: cookie.into(),
    };
    let encoded = rasn::ber::encode(&value).unwrap_or_default();
    Control::new(
        PAGED_RESULTS.as_bytes().to_vec().into(),
        false,
        Some(encoded.into()),
    )
}
