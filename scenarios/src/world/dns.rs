//! The world's DNS server on loopback: the DC-locator SRV record a phone asks for
//! (`_ldap._tcp.dc._msdcs.<domain>`) and the DC's address, nothing else. The machine's own
//! resolver is never involved; every other name is NXDOMAIN, as for a phone whose DHCP suffixes
//! point at the wrong zone (domain.md §G row 9).

use std::net::{Ipv4Addr, SocketAddr};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// The zone: one domain and its DC.
#[derive(Debug, Clone)]
pub struct Zone {
    pub domain: String,
    pub dc_host: String,
    pub ldap_port: u16,
}

impl Zone {
    /// The answer records for a question, or None for NXDOMAIN.
    pub fn answer(&self, name: &str, kind: RecordType) -> Option<Vec<Record>> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let srv_name = format!("_ldap._tcp.dc._msdcs.{}", self.domain.to_ascii_lowercase());
        let owner = Name::from_ascii(format!("{name}.")).ok()?;
        if name == srv_name {
            if kind != RecordType::SRV {
                return Some(Vec::new());
            }
            let target = Name::from_ascii(format!("{}.", self.dc_host)).ok()?;
            return Some(vec![Record::from_rdata(
                owner,
                600,
                RData::SRV(SRV::new(0, 100, self.ldap_port, target)),
            )]);
        }
        if name == self.dc_host.to_ascii_lowercase() {
            if kind != RecordType::A {
                return Some(Vec::new());
            }
            return Some(vec![Record::from_rdata(
                owner,
                3600,
                RData::A(A(Ipv4Addr::LOCALHOST)),
            )]);
        }
        None
    }

    /// The reply to one datagram; None when it is not a parsable query.
    pub fn reply(&self, datagram: &[u8]) -> Option<Vec<u8>> {
        let request = Message::from_vec(datagram).ok()?;
        if request.metadata.message_type != MessageType::Query {
            return None;
        }
        let mut response = Message::response(request.metadata.id, OpCode::Query);
        response.metadata.authoritative = true;
        response.metadata.recursion_desired = request.metadata.recursion_desired;
        let Some(query) = request.queries.first() else {
            response.metadata.response_code = ResponseCode::FormErr;
            return response.to_vec().ok();
        };
        response.add_query(query.clone());
        match self.answer(&query.name().to_ascii(), query.query_type()) {
            Some(records) => {
                for record in records {
                    response.add_answer(record);
                }
            }
            None => response.metadata.response_code = ResponseCode::NXDomain,
        }
        response.to_vec().ok()
    }
}

/// Serves `zone` on 127.0.0.1:0 over UDP until the task is aborted.
pub async fn start(zone: Zone) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let socket = UdpSocket::bind(("127.0.0.1", 0)).await?;
    let address = socket.local_addr()?;
    let task = tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        loop {
            let Ok((length, peer)) = socket.recv_from(&mut buffer).await else {
                continue;
            };
            if let Some(reply) = zone.reply(&buffer[..length]) {
                let _ = socket.send_to(&reply, peer).await;
            }
        }
    });
    Ok((address, task))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;

    fn zone() -> Zone {
        Zone {
            domain: "example.test".into(),
            dc_host: "dc1.example.test".into(),
            ldap_port: 3890,
        }
    }

    fn ask(name: &str, kind: RecordType) -> Message {
        let mut query = Message::query();
        query.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
        Message::from_vec(&zone().reply(&query.to_vec().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn the_dc_locator_record_points_at_the_ldap_port() {
        let reply = ask("_ldap._tcp.dc._msdcs.EXAMPLE.test.", RecordType::SRV);
        assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
        match &reply.answers[0].data {
            RData::SRV(srv) => assert_eq!(srv.port, 3890),
            other => panic!("{other:?}"),
        }
        let address = ask("dc1.example.test.", RecordType::A);
        assert!(matches!(address.answers[0].data, RData::A(A(ip)) if ip == Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn other_names_do_not_exist_and_garbage_gets_no_reply() {
        let reply = ask("_ldap._tcp.dc._msdcs.corp.other.", RecordType::SRV);
        assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
        assert!(zone().reply(b"\x00\x01garbage").is_none());
    }
}
