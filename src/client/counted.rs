//! Counting an answer's bytes as they come over the wire, under the layer
//! that decodes them (only at `-vv`; see `transport`).
//!
//! The request goes through tower-http's `Decompression`, the layer reqwest
//! itself decodes with (so `Accept-Encoding` and the decoders are the same
//! as on the default path), down to a reqwest client built without its own
//! decoding; the body it gets back is wrapped in [`Counted`] before it is
//! decoded.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::CONTENT_ENCODING;
use http_body::{Body, Frame, SizeHint};
use tower_http::decompression::{Decompression, DecompressionBody};
use tower_service::Service as _;

/// What came over the wire for one answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Wire {
    /// The body's bytes as they arrived (compressed, without the framing
    /// of chunks).
    pub bytes: u64,
    /// The `Content-Encoding` the body came in, if any (`gzip`, `br`…).
    pub encoding: Option<String>,
}

/// The running count of one answer.
#[derive(Debug, Default)]
pub(crate) struct Count {
    bytes: AtomicU64,
    encoding: Mutex<Option<String>>,
}

impl Count {
    /// What was counted so far.
    pub(crate) fn wire(&self) -> Wire {
        Wire {
            bytes: self.bytes.load(Ordering::Relaxed),
            encoding: self
                .encoding
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
        }
    }
}

/// An answer's body that counts its bytes as they are read.
pub(crate) struct Counted {
    body: reqwest::Body,
    count: Arc<Count>,
}

impl Body for Counted {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, reqwest::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                this.count
                    .bytes
                    .fetch_add(data.len() as u64, Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Sends with a reqwest client (built without decoding) and hands the
/// answer's body back counted.
#[derive(Clone)]
struct Sender {
    client: reqwest::Client,
    count: Arc<Count>,
}

type Sent = Pin<Box<dyn Future<Output = Result<http::Response<Counted>, reqwest::Error>> + Send>>;

impl tower_service::Service<http::Request<reqwest::Body>> for Sender {
    type Response = http::Response<Counted>;
    type Error = reqwest::Error;
    type Future = Sent;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), reqwest::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<reqwest::Body>) -> Sent {
        let client = self.client.clone();
        let count = self.count.clone();
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let response: http::Response<reqwest::Body> = client.execute(request).await?.into();
            *count
                .encoding
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = response
                .headers()
                .get(CONTENT_ENCODING)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string);
            Ok(response.map(|body| Counted { body, count }))
        })
    }
}

/// Sends `request` with `client` (built without decoding) through the
/// decoding layer; returns the decoded answer and the count of its bytes
/// on the wire, complete once the body has been read.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> Result<(http::Response<DecompressionBody<Counted>>, Arc<Count>), reqwest::Error> {
    let count = Arc::new(Count::default());
    let request = http::Request::<reqwest::Body>::try_from(request)?;
    let mut layer = Decompression::new(Sender {
        client: client.clone(),
        count: count.clone(),
    });
    let response = layer.call(request).await?;
    Ok((response, count))
}
