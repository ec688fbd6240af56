package sigil

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"log"
	"math"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// Client records generations, tool executions and embeddings through one
// libsigil client, which batches and exports in the background. It is safe
// for concurrent use. Call Shutdown before the process exits; a Client that
// becomes unreachable without Shutdown is shut down (5 s deadline) and freed
// by a finalizer, as a safety net only.
type Client struct {
	ptr     *C.sigil_client_t // nil when the client could not start
	initErr error
	now     func() time.Time
	logger  *log.Logger
	// hasResolver: starts pass their context to the resolver (privacy.go).
	hasResolver bool
	// exporter is Config.GenerationExporter; Shutdown shuts it down.
	exporter     GenerationExporter
	exporterOnce sync.Once
	// host is the host telemetry adapter's state (host.go), or nil.
	host *hostState
}

// clientState is what the finalizer needs; it must not point back to Client.
type clientState struct {
	ptr    *C.sigil_client_t
	handle cgo.Handle
}

// NewClient creates a client from config (see Config for precedence).
//
// Unlike the reference SDK, NewClient never panics: when the configuration
// is invalid (for example auth mode tenant without a tenant id, or a bad
// SIGIL_* variable) it logs the reason to config.Logger and returns a client
// that records nothing, whose Flush and Shutdown return the error. Use
// NewClientWithError to get the error instead.
func NewClient(config Config) *Client {
	c, err := newClient(config)
	if err != nil {
		c.logger.Printf("sigil: %v; recording is disabled", err)
	}
	return c
}

// NewClientWithError is NewClient returning the configuration error
// (errors.Is(err, ErrInvalidConfig)) instead of a disabled client.
func NewClientWithError(config Config) (*Client, error) {
	c, err := newClient(config)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newClient(config Config) (*Client, error) {
	c := &Client{now: config.Now, logger: config.Logger, hasResolver: config.ContentCaptureResolver != nil}
	if c.logger == nil {
		c.logger = log.Default()
	}
	if abiError != nil {
		c.initErr = abiError
		return c, abiError
	}
	var opts *C.sigil_options_t
	if st := C.sigil_options_new(&opts); st != C.SIGIL_OK {
		c.initErr = &Error{Code: Code(st), Message: "cannot allocate options"}
		return c, c.initErr
	}
	defer C.sigil_options_free(opts)
	c.exporter = config.GenerationExporter
	host, mode, err := newHostState(&config, c.logger)
	if err != nil {
		c.initErr = err
		return c, err
	}
	c.host = host
	handle := cgo.NewHandle(&goCallbacks{logger: c.logger, resolver: config.ContentCaptureResolver,
		sanitizer: config.Privacy.Sanitizer, exporter: config.GenerationExporter, onSpan: config.Telemetry.OnSpan,
		host: host})
	if err := applyConfig(opts, &config, handle); err != nil {
		handle.Delete()
		c.initErr = err
		return c, err
	}
	if err := applyTelemetryMode(opts, host, mode, handle); err != nil {
		handle.Delete()
		c.initErr = err
		return c, err
	}
	var cerr *C.sigil_error_t
	st := C.sigil_client_new(opts, &c.ptr, &cerr)
	if e := takeError(st, cerr); e != nil {
		handle.Delete()
		e.with(ErrInvalidConfig)
		c.initErr = e
		return c, e
	}
	state := &clientState{ptr: c.ptr, handle: handle}
	runtime.SetFinalizer(c, func(*Client) {
		// Off the finalizer goroutine: the shutdown may wait up to 5 s.
		go func() {
			C.sigil_client_free(state.ptr)
			state.handle.Delete()
		}()
	})
	return c, nil
}

// applyConfig translates config into option setters. Values equal to their
// DefaultConfig value are left unset so the environment can apply.
func applyConfig(o *C.sigil_options_t, cfg *Config, logHandle cgo.Handle) error {
	var firstErr error
	check := func(field string, st C.sigil_status_t) {
		if st != C.SIGIL_OK && firstErr == nil {
			firstErr = (&Error{Code: Code(st), Message: "invalid " + field}).with(ErrInvalidConfig)
		}
	}
	var strs []*C.char
	defer func() {
		for _, p := range strs {
			C.free(unsafe.Pointer(p))
		}
	}()
	cs := func(v string) *C.char { p := C.CString(v); strs = append(strs, p); return p }
	check("sdk name", C.sigil_options_set_sdk_name(o, cs("sdk-go")))
	check("logger", C.sgo_options_set_go_logger(o, C.uintptr_t(logHandle)))

	ex := &cfg.GenerationExport
	switch ex.Protocol {
	case "", GenerationExportProtocolGRPC:
	case GenerationExportProtocolHTTP:
		check("protocol", C.sigil_options_set_protocol(o, C.SIGIL_PROTOCOL_HTTP))
	case GenerationExportProtocolNone:
		check("protocol", C.sigil_options_set_protocol(o, C.SIGIL_PROTOCOL_NONE))
	default:
		return (&Error{Code: CodeConfig, Message: "unsupported generation export protocol \"" +
			string(ex.Protocol) + "\" (expected grpc, http or none)"}).with(ErrInvalidConfig)
	}
	if ex.Endpoint != "" && ex.Endpoint != defaultEndpoint {
		check("endpoint", C.sigil_options_set_endpoint(o, cs(ex.Endpoint)))
	}
	check("insecure", C.sigil_options_set_insecure(o, C.int(cbool(ex.Insecure))))
	if ex.CAFile != "" {
		check("CA file", C.sigil_options_set_ca_file(o, cs(ex.CAFile)))
	}
	if ex.CADir != "" {
		check("CA directory", C.sigil_options_set_ca_dir(o, cs(ex.CADir)))
	}
	if ex.ClientCert != "" {
		check("client certificate", C.sigil_options_set_client_cert(o, cs(ex.ClientCert)))
	}
	if ex.ClientKey != "" {
		check("client key", C.sigil_options_set_client_key(o, cs(ex.ClientKey)))
	}
	for k, v := range ex.Headers {
		check("header "+k, C.sigil_options_set_header(o, cs(k), cs(v)))
	}

	auth := &ex.Auth
	hasCredentials := auth.TenantID != "" || auth.BearerToken != "" || auth.BasicUser != "" || auth.BasicPassword != ""
	switch auth.Mode {
	case "", ExportAuthModeNone:
		if hasCredentials { // let libsigil reject credentials without a mode
			check("auth mode", C.sigil_options_set_auth_mode(o, C.SIGIL_AUTH_NONE))
		}
	case ExportAuthModeTenant:
		check("auth mode", C.sigil_options_set_auth_mode(o, C.SIGIL_AUTH_TENANT))
	case ExportAuthModeBearer:
		check("auth mode", C.sigil_options_set_auth_mode(o, C.SIGIL_AUTH_BEARER))
	case ExportAuthModeBasic:
		check("auth mode", C.sigil_options_set_auth_mode(o, C.SIGIL_AUTH_BASIC))
	default:
		return (&Error{Code: CodeConfig, Message: "unsupported auth mode \"" + string(auth.Mode) +
			"\" (expected none, tenant, bearer or basic)"}).with(ErrInvalidConfig)
	}
	if auth.TenantID != "" {
		check("auth tenant id", C.sigil_options_set_auth_tenant_id(o, cs(auth.TenantID)))
	}
	if auth.BearerToken != "" {
		check("auth bearer token", C.sigil_options_set_auth_bearer_token(o, cs(auth.BearerToken)))
	}
	if auth.BasicUser != "" {
		check("auth basic user", C.sigil_options_set_auth_basic_user(o, cs(auth.BasicUser)))
	}
	if auth.BasicPassword != "" {
		check("auth basic password", C.sigil_options_set_auth_basic_password(o, cs(auth.BasicPassword)))
	}

	if n := ex.BatchSize; n > 0 {
		check("batch size", C.sigil_options_set_batch_size(o, clampU32(int64(n))))
	}
	if d := ex.FlushInterval; d > 0 {
		check("flush interval", C.sigil_options_set_flush_interval_ms(o, durationMS(d)))
	}
	if n := ex.QueueSize; n > 0 {
		check("queue size", C.sigil_options_set_queue_size(o, clampU32(int64(n))))
	}
	if n := ex.MaxRetries; n > 0 {
		check("max retries", C.sigil_options_set_max_retries(o, clampU32(int64(n))))
	} else if n < 0 {
		check("max retries", C.sigil_options_set_no_retries(o))
	}
	if d := ex.InitialBackoff; d > 0 {
		check("initial backoff", C.sigil_options_set_initial_backoff_ms(o, durationMS(d)))
	}
	if d := ex.MaxBackoff; d > 0 {
		check("max backoff", C.sigil_options_set_max_backoff_ms(o, durationMS(d)))
	}
	if n := ex.PayloadMaxBytes; n > 0 {
		check("payload max bytes", C.sigil_options_set_payload_max_bytes(o, C.uint64_t(n)))
	}
	if n := ex.QueueMaxBytes; n > 0 {
		check("queue max bytes", C.sigil_options_set_queue_max_bytes(o, C.uint64_t(n)))
	}
	if ex.Spool.Dir != "" {
		check("spool directory", C.sigil_options_set_spool_dir(o, cs(ex.Spool.Dir)))
	}
	switch ex.Spool.Mode {
	case "":
	case SpoolModeFallback:
		check("spool mode", C.sigil_options_set_spool_mode(o, C.SIGIL_SPOOL_MODE_FALLBACK))
	case SpoolModeWriteAhead:
		check("spool mode", C.sigil_options_set_spool_mode(o, C.SIGIL_SPOOL_MODE_WRITE_AHEAD))
	default:
		return (&Error{Code: CodeConfig, Message: "unsupported spool mode \"" + string(ex.Spool.Mode) +
			"\" (expected fallback or write_ahead)"}).with(ErrInvalidConfig)
	}
	switch ex.Spool.Sync {
	case "":
	case SpoolSyncNone:
		check("spool sync", C.sigil_options_set_spool_sync(o, C.SIGIL_SPOOL_SYNC_NONE))
	case SpoolSyncBatch:
		check("spool sync", C.sigil_options_set_spool_sync(o, C.SIGIL_SPOOL_SYNC_BATCH))
	case SpoolSyncRecord:
		check("spool sync", C.sigil_options_set_spool_sync(o, C.SIGIL_SPOOL_SYNC_RECORD))
	default:
		return (&Error{Code: CodeConfig, Message: "unsupported spool sync policy \"" + string(ex.Spool.Sync) +
			"\" (expected none, batch or record)"}).with(ErrInvalidConfig)
	}

	if e := cfg.API.Endpoint; e != "" && e != defaultAPIEndpoint {
		check("API endpoint", C.sigil_options_set_api_endpoint(o, cs(e)))
	}
	tel := &cfg.Telemetry
	if tel.OTLPEndpoint != "" {
		check("OTLP endpoint", C.sigil_options_set_otlp_endpoint(o, cs(tel.OTLPEndpoint)))
	}
	for k, v := range tel.OTLPHeaders {
		check("OTLP header "+k, C.sigil_options_set_otlp_header(o, cs(k), cs(v)))
	}
	if tel.OTLPCertificate != "" {
		check("OTLP certificate", C.sigil_options_set_otlp_certificate(o, cs(tel.OTLPCertificate)))
	}
	if tel.OTLPClientCertificate != "" {
		check("OTLP client certificate", C.sigil_options_set_otlp_client_certificate(o, cs(tel.OTLPClientCertificate)))
	}
	if tel.OTLPClientKey != "" {
		check("OTLP client key", C.sigil_options_set_otlp_client_key(o, cs(tel.OTLPClientKey)))
	}
	if tel.ServiceName != "" {
		check("service name", C.sigil_options_set_service_name(o, cs(tel.ServiceName)))
	}
	for k, v := range tel.ResourceAttributes {
		check("resource attribute "+k, C.sigil_options_set_resource_attribute(o, cs(k), cs(v)))
	}
	if d := tel.MetricExportInterval; d > 0 {
		check("metric export interval", C.sigil_options_set_metric_export_interval_ms(o, durationMS(d)))
	}

	def := &cfg.Defaults
	if def.AgentName != "" {
		check("default agent name", C.sigil_options_set_agent_name(o, cs(def.AgentName)))
	}
	if def.AgentVersion != "" {
		check("default agent version", C.sigil_options_set_agent_version(o, cs(def.AgentVersion)))
	}
	if def.UserID != "" {
		check("default user id", C.sigil_options_set_user_id(o, cs(def.UserID)))
	}
	for k, v := range def.Tags {
		check("tag "+k, C.sigil_options_set_tag(o, cs(k), cs(v)))
	}

	// Only an explicit opt-in is passed on, so SIGIL_EMBEDDING_CAPTURE_* apply otherwise.
	if capture := &cfg.EmbeddingCapture; capture.CaptureInput {
		check("embedding capture", C.sigil_options_set_embedding_capture(o, 1,
			clampU32(int64(capture.MaxInputItems)), clampU32(int64(capture.MaxTextLength))))
	}
	applyPrivacy(o, cfg, logHandle, check)
	applyCost(o, cfg, cs, check)
	if cfg.GenerationExporter != nil {
		check("generation exporter", C.sgo_options_set_go_exporter(o, C.uintptr_t(logHandle)))
	}
	if cfg.Telemetry.OnSpan != nil {
		check("span handler", C.sgo_options_set_go_span_handler(o, C.uintptr_t(logHandle)))
	}
	return firstErr
}

// applyTelemetryMode registers the host pipeline's callbacks and chooses the
// engine's pipeline.
func applyTelemetryMode(o *C.sigil_options_t, host *hostState, mode TelemetryMode, h cgo.Handle) error {
	if host != nil && host.pipeline {
		if st := C.sgo_options_set_go_span_handler(o, C.uintptr_t(h)); st != C.SIGIL_OK {
			return (&Error{Code: Code(st), Message: "invalid span handler"}).with(ErrInvalidConfig)
		}
		if st := C.sgo_options_set_go_metric_handler(o, C.uintptr_t(h)); st != C.SIGIL_OK {
			return (&Error{Code: Code(st), Message: "invalid metric handler"}).with(ErrInvalidConfig)
		}
	}
	if st := C.sigil_options_set_telemetry_pipeline(o, pipelineCode(mode)); st != C.SIGIL_OK {
		return (&Error{Code: Code(st), Message: "invalid telemetry mode"}).with(ErrInvalidConfig)
	}
	return nil
}

func clampU32(v int64) C.uint32_t {
	if v < 0 {
		return 0
	}
	if v > math.MaxUint32 {
		return math.MaxUint32
	}
	return C.uint32_t(v)
}

func durationMS(d time.Duration) C.uint32_t {
	ms := d.Milliseconds()
	if ms == 0 && d > 0 {
		ms = 1
	}
	return clampU32(ms)
}

// timeoutMS turns a context deadline into a libsigil timeout; no deadline
// waits as long as it takes.
func timeoutMS(ctx context.Context) C.uint32_t {
	deadline, ok := ctx.Deadline()
	if !ok {
		return math.MaxUint32
	}
	d := time.Until(deadline)
	if d <= 0 {
		return 0
	}
	return durationMS(d)
}

// Flush blocks until every generation ended before the call has been
// delivered or dropped, or until ctx is done. It returns ctx.Err() when ctx
// is cancelled, an error matching context.DeadlineExceeded when the deadline
// passes, and ErrClientShutdown after Shutdown. Drops are logged.
func (c *Client) Flush(ctx context.Context) error {
	if c == nil {
		return nil
	}
	if c.ptr == nil {
		return c.initErr
	}
	return c.blocking(ctx, func(ms C.uint32_t) *Error {
		var cerr *C.sigil_error_t
		st := C.sigil_client_flush(c.ptr, ms, &cerr)
		runtime.KeepAlive(c)
		return takeError(st, cerr)
	})
}

// DefaultShutdownTimeout bounds Shutdown when its context has no deadline
// (context.Background()), so a backend that is down cannot hold a process
// at exit; the other bindings' shutdown has the same default. Read at each
// Shutdown; give Shutdown a context with a deadline to choose per call.
var DefaultShutdownTimeout = 10 * time.Second

// Shutdown stops accepting records, flushes what is queued within ctx's
// deadline (DefaultShutdownTimeout when ctx has none), and stops the
// background worker and its connections. What cannot be delivered in time is
// dropped and counted, and the error then matches context.DeadlineExceeded.
// Shutdown is idempotent; later calls return nil. After Shutdown, recorders
// end with ErrClientShutdown.
func (c *Client) Shutdown(ctx context.Context) error {
	if c == nil {
		return nil
	}
	if c.ptr == nil {
		return c.initErr
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultShutdownTimeout)
		defer cancel()
	}
	if c.host != nil {
		c.host.closed.Store(true) // recorders started from now on record nothing: no host spans for them
	}
	err := c.blocking(ctx, func(ms C.uint32_t) *Error {
		var cerr *C.sigil_error_t
		st := C.sigil_client_shutdown(c.ptr, ms, &cerr)
		runtime.KeepAlive(c)
		return takeError(st, cerr)
	})
	if s, ok := c.exporter.(exporterShutdown); ok {
		c.exporterOnce.Do(func() {
			if serr := s.Shutdown(ctx); serr != nil && err == nil {
				err = serr
			}
		})
	}
	return err
}

// blocking runs a libsigil call bounded by ctx's deadline; when ctx can be
// cancelled, the call runs on its own goroutine and a cancellation returns
// ctx.Err() while it finishes in the background (a deadline waits for the
// call, which ends at the same deadline).
func (c *Client) blocking(ctx context.Context, call func(C.uint32_t) *Error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ms := timeoutMS(ctx)
	if ctx.Done() == nil {
		return errOrNil(lifecycleError(call(ms)))
	}
	done := make(chan error, 1)
	go func() { done <- errOrNil(lifecycleError(call(ms))) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// The call was given the same deadline, so it returns about now:
		// wait for it, so that nothing it does (its last log lines) happens
		// after this method returned. A cancellation returns at once.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			if err := <-done; err != nil {
				return err
			}
		}
		return ctx.Err()
	}
}

// errOrNil avoids returning a typed nil *Error as a non-nil error.
func errOrNil(err error) error {
	if e, ok := err.(*Error); ok && e == nil {
		return nil
	}
	return err
}

// Stats are the client's export counters since it started (a libsigil
// extension, from sigil_client_stats).
type Stats struct {
	GenerationsEnqueued    uint64
	GenerationsExported    uint64
	GenerationsRejected    uint64
	DroppedQueueFull       uint64
	DroppedByteBudget      uint64
	DroppedPayloadTooLarge uint64
	DroppedRetryExhausted  uint64
	DroppedShutdownTimeout uint64
	ValidationFailures     uint64
	ExportAttempts         uint64
	ExportRetries          uint64
	QueueItems             uint64
	QueueBytes             uint64
	DroppedSpoolFull       uint64 // refused by the spool's byte or age budget
	DroppedTotal           uint64 // the sum of every Dropped* counter
	GenerationsSpooled     uint64 // undeliverable, kept in the spool
	GenerationsReplayed    uint64 // delivered from the spool later and accepted
	// Spans and metrics (the engine's OTLP export; see docs/telemetry.md).
	SpansExported         uint64 // accepted by the OTLP receiver
	SpansDropped          uint64 // lost: not exported and not spooled
	MetricExportsFailed   uint64 // metrics exports that did not reach the receiver and were not spooled
	SpansSpooled          uint64 // kept in the spool instead of being dropped
	SpansReplayed         uint64 // delivered from the spool by this client
	MetricExportsSpooled  uint64 // final metrics snapshots kept in the spool
	MetricExportsReplayed uint64 // snapshots delivered from the spool by this client
	// Evaluation scores (SubmitScore; see docs/scores.md).
	ScoresEnqueued      uint64 // taken by SubmitScore
	ScoresExported      uint64 // accepted by the server (a known score id too)
	ScoresRejected      uint64 // refused by the server
	ScoresDropped       uint64 // queue full, retries over, or shutdown deadline
	ScoreExportAttempts uint64
	ScoreExportRetries  uint64
	// Cost and sampling (docs/cost.md, docs/sampling.md).
	GenerationsUnpriced          uint64 // usage (or an estimate) but no price for the model
	GenerationsExportSampledOut  uint64 // not exported: outside the export sample
	GenerationsContentSampledOut uint64 // exported metadata-only: outside the content sample
}

// Stats returns the client's export counters.
func (c *Client) Stats() (Stats, error) {
	if c == nil {
		return Stats{}, ErrNilClient
	}
	if c.ptr == nil {
		return Stats{}, c.initErr
	}
	var s C.sigil_stats_t
	s.version = C.SIGIL_STATS_VERSION
	st := C.sigil_client_stats(c.ptr, &s)
	runtime.KeepAlive(c)
	if st != C.SIGIL_OK {
		return Stats{}, &Error{Code: Code(st), Message: "stats unavailable"}
	}
	return Stats{
		GenerationsEnqueued:          uint64(s.generations_enqueued),
		GenerationsExported:          uint64(s.generations_exported),
		GenerationsRejected:          uint64(s.generations_rejected),
		DroppedQueueFull:             uint64(s.dropped_queue_full),
		DroppedByteBudget:            uint64(s.dropped_byte_budget),
		DroppedPayloadTooLarge:       uint64(s.dropped_payload_too_large),
		DroppedRetryExhausted:        uint64(s.dropped_retry_exhausted),
		DroppedShutdownTimeout:       uint64(s.dropped_shutdown_timeout),
		ValidationFailures:           uint64(s.validation_failures),
		ExportAttempts:               uint64(s.export_attempts),
		ExportRetries:                uint64(s.export_retries),
		QueueItems:                   uint64(s.queue_items),
		QueueBytes:                   uint64(s.queue_bytes),
		DroppedSpoolFull:             uint64(s.dropped_spool_full),
		DroppedTotal:                 uint64(s.dropped_total),
		GenerationsSpooled:           uint64(s.generations_spooled),
		GenerationsReplayed:          uint64(s.generations_replayed),
		SpansExported:                uint64(s.spans_exported),
		SpansDropped:                 uint64(s.spans_dropped),
		MetricExportsFailed:          uint64(s.metric_exports_failed),
		SpansSpooled:                 uint64(s.spans_spooled),
		SpansReplayed:                uint64(s.spans_replayed),
		MetricExportsSpooled:         uint64(s.metric_exports_spooled),
		MetricExportsReplayed:        uint64(s.metric_exports_replayed),
		GenerationsUnpriced:          uint64(s.generations_unpriced),
		GenerationsExportSampledOut:  uint64(s.generations_export_sampled_out),
		GenerationsContentSampledOut: uint64(s.generations_content_sampled_out),
		ScoresEnqueued:               uint64(s.scores_enqueued),
		ScoresExported:               uint64(s.scores_exported),
		ScoresRejected:               uint64(s.scores_rejected),
		ScoresDropped:                uint64(s.scores_dropped),
		ScoreExportAttempts:          uint64(s.score_export_attempts),
		ScoreExportRetries:           uint64(s.score_export_retries),
	}, nil
}

// MetricsSnapshot returns libsigil's aggregated GenAI histograms as JSON (see
// sigil_client_metrics_snapshot in sigil.h).
func (c *Client) MetricsSnapshot() ([]byte, error) {
	if c == nil {
		return nil, ErrNilClient
	}
	if c.ptr == nil {
		return nil, c.initErr
	}
	var out *C.char
	var n C.size_t
	var cerr *C.sigil_error_t
	st := C.sigil_client_metrics_snapshot(c.ptr, &out, &n, &cerr)
	runtime.KeepAlive(c)
	if e := takeError(st, cerr); e != nil {
		return nil, e
	}
	defer C.sigil_metrics_snapshot_free(out)
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}
