package sigil_test

import (
	"errors"
	"testing"

	sigil "github.com/libsigil/libsigil/bindings/go/sigil"
)

// The host pipeline needs the OpenTelemetry adapter module; asking for it
// without the module is a configuration error, not a silent engine mode.
func TestHostTelemetryModeNeedsAdapter(t *testing.T) {
	for _, mode := range []sigil.TelemetryMode{sigil.TelemetryModeHost, sigil.TelemetryModeBoth, "sideways"} {
		cfg := sigil.DefaultConfig()
		cfg.GenerationExport.Protocol = sigil.GenerationExportProtocolNone
		cfg.Telemetry.Mode = mode
		if _, err := sigil.NewClientWithError(cfg); !errors.Is(err, sigil.ErrInvalidConfig) {
			t.Errorf("mode %q: err = %v, want ErrInvalidConfig", mode, err)
		}
	}
}
