package sigil

// Cost, token estimates and sampling: libsigil prices every generation with
// usage, estimates tokens where a provider gave none and samples by trace id
// (sigil.h, "Cost, token estimates and sampling"); this file only passes the
// Go configuration on.

/*
#include "shim.h"
*/
import "C"

func applyCost(o *C.sigil_options_t, cfg *Config, cs func(string) *C.char, check func(string, C.sigil_status_t)) {
	if cfg.PricesFile != "" {
		check("prices file", C.sigil_options_set_prices_file(o, cs(cfg.PricesFile)))
	}
	if cfg.TokenEstimates != nil {
		on := C.int(0)
		if *cfg.TokenEstimates {
			on = 1
		}
		check("token estimates", C.sigil_options_set_token_estimates(o, on))
	}
	if cfg.ContentSampleRate != nil {
		check("content sample rate (from 0 to 1)",
			C.sigil_options_set_content_sample_rate(o, C.double(*cfg.ContentSampleRate)))
	}
	if cfg.ExportSampleRate != nil {
		check("export sample rate (from 0 to 1)",
			C.sigil_options_set_export_sample_rate(o, C.double(*cfg.ExportSampleRate)))
	}
}
