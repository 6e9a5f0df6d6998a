//! The body of `POST /kv/batch` (`raftctl bench --pipeline`): many puts in one request, each
//! proposed as its own entry, so that what a run measures is Raft's work per entry rather
//! than HTTP's per request. Answered with JSON, one result per put, in order.

/// Many puts, in the order they are to be proposed.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PutBatch {
    #[prost(message, repeated, tag = "1")]
    pub puts: Vec<BatchPut>,
}

/// One put of a batch, with the request id that makes its retry apply once (the
/// `x-request-id` of a single put).
#[derive(Clone, PartialEq, prost::Message)]
pub struct BatchPut {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
    #[prost(uint64, tag = "3")]
    pub request_id: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    #[test]
    fn a_batch_round_trips_and_keeps_its_order() {
        let b = PutBatch {
            puts: (0..3)
                .map(|i| BatchPut {
                    key: format!("k{i}").into_bytes(),
                    value: vec![i as u8; 300],
                    request_id: 100 + i,
                })
                .collect(),
        };
        let back = PutBatch::decode(&*b.encode_to_vec()).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.puts[2].key, b"k2");
    }
}
