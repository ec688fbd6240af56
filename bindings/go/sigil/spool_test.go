package sigil_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libsigil/libsigil/bindings/go/sigil"
)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func spoolBytes(t *testing.T, dir string) []byte {
	files, _ := filepath.Glob(filepath.Join(dir, "seg-*.sgs"))
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// The spool mode reaches the engine: with the backend down, a write-ahead
// generation is in the spool when End returns; a fallback one waits in memory.
func TestSpoolModeDecidesWhetherEndWritesTheSpool(t *testing.T) {
	for _, tc := range []struct {
		mode    sigil.SpoolMode
		inSpool bool
	}{{sigil.SpoolModeWriteAhead, true}, {sigil.SpoolModeFallback, false}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "spool")
			cfg := sigil.DefaultConfig()
			cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
			cfg.GenerationExport.Endpoint = "http://" + closedPort(t)
			cfg.GenerationExport.MaxRetries = 50
			cfg.GenerationExport.Spool = sigil.SpoolConfig{Dir: dir, Mode: tc.mode, Sync: sigil.SpoolSyncBatch}
			client, err := sigil.NewClientWithError(cfg)
			if err != nil {
				t.Fatalf("NewClientWithError: %v", err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
				defer cancel()
				_ = client.Shutdown(ctx)
			}()
			id := "gen-go-" + string(tc.mode)
			_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{ID: id, Model: model})
			rec.SetResult(sigil.Generation{Input: []sigil.Message{sigil.UserTextMessage("hi")}}, nil)
			rec.End()
			if err := rec.Err(); err != nil {
				t.Fatalf("End: %v", err)
			}
			if got := bytes.Contains(spoolBytes(t, dir), []byte(id)); got != tc.inSpool {
				t.Errorf("generation in the spool when End returned = %v, want %v", got, tc.inSpool)
			}
		})
	}
}

func TestUnknownSpoolModeAndWriteAheadWithoutDirectoryAreRefused(t *testing.T) {
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
	cfg.GenerationExport.Spool = sigil.SpoolConfig{Dir: t.TempDir(), Mode: "sometimes"}
	if _, err := sigil.NewClientWithError(cfg); !errors.Is(err, sigil.ErrInvalidConfig) {
		t.Errorf("unknown mode: err = %v, want ErrInvalidConfig", err)
	}
	cfg.GenerationExport.Spool = sigil.SpoolConfig{Mode: sigil.SpoolModeWriteAhead}
	if _, err := sigil.NewClientWithError(cfg); !errors.Is(err, sigil.ErrInvalidConfig) {
		t.Errorf("write-ahead without a directory: err = %v, want ErrInvalidConfig", err)
	}
}

// Spans the OTLP collector could not take are kept in the spool with the
// generations, and Stats says so: spooled, not dropped.
func TestSpansTheCollectorMissedAreSpooledNotDropped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	cfg := sigil.DefaultConfig()
	cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolHTTP
	cfg.GenerationExport.Endpoint = "http://" + closedPort(t)
	cfg.GenerationExport.MaxRetries = -1
	cfg.GenerationExport.Spool = sigil.SpoolConfig{Dir: dir}
	cfg.Telemetry.OTLPEndpoint = "http://" + closedPort(t)
	client, err := sigil.NewClientWithError(cfg)
	if err != nil {
		t.Fatalf("NewClientWithError: %v", err)
	}
	for _, id := range []string{"gen-go-otlp-1", "gen-go-otlp-2"} {
		_, rec := client.StartGeneration(context.Background(), sigil.GenerationStart{ID: id, Model: model})
		rec.SetResult(sigil.Generation{Input: []sigil.Message{sigil.UserTextMessage("hi")}}, nil)
		rec.End()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = client.Shutdown(ctx)
	stats, err := client.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if stats.SpansSpooled != 2 || stats.SpansDropped != 0 || stats.SpansExported != 0 {
		t.Errorf("spans spooled/dropped/exported = %d/%d/%d, want 2/0/0", stats.SpansSpooled, stats.SpansDropped, stats.SpansExported)
	}
	if stats.MetricExportsSpooled != 1 {
		t.Errorf("MetricExportsSpooled = %d, want 1", stats.MetricExportsSpooled)
	}
	if !bytes.Contains(spoolBytes(t, dir), []byte("spans:2:")) {
		t.Errorf("no spans record in the spool")
	}
}
