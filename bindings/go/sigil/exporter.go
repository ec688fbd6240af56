package sigil

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// GenerationExporter receives generations instead of a Sigil server
// (Config.GenerationExporter, a libsigil extension: the reference SDK keeps
// its exporter interface unexported). libsigil calls ExportGenerations on its
// export worker, one batch at a time, after batching, the privacy pass and
// encoding, and treats the outcome as a server's: a returned error is a
// failed attempt (retried with backoff, then spooled or dropped), results
// with Accepted false count as rejected, every other generation as exported;
// Client.Stats counts them. It must not call Flush or Shutdown on its client.
// Client.Shutdown drains the queue through it and then calls its
// Shutdown(ctx) error method, if it has one.
type GenerationExporter interface {
	ExportGenerations(ctx context.Context, request *ExportGenerationsRequest) (*ExportGenerationsResponse, error)
}

// ExportGenerationsRequest is one batch. Each generation is a sigil.v1
// Generation in protojson with the proto field names ("conversation_id"),
// the form an ingest server receives and the reference's test helpers read.
type ExportGenerationsRequest struct {
	Generations []json.RawMessage
}

// GenerationIDs are the ids of the batch's generations, in order.
func (r *ExportGenerationsRequest) GenerationIDs() []string {
	ids := make([]string, 0, len(r.Generations))
	for _, g := range r.Generations {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(g, &head)
		ids = append(ids, head.ID)
	}
	return ids
}

// ExportGenerationsResponse holds per-generation results; generations
// without one count as accepted.
type ExportGenerationsResponse struct {
	Results []ExportGenerationResult
}

// ExportGenerationResult is one generation's outcome.
type ExportGenerationResult struct {
	GenerationID string
	Accepted     bool
	Error        string
}

// exporterShutdown is the optional Shutdown of a GenerationExporter.
type exporterShutdown interface {
	Shutdown(ctx context.Context) error
}

//export sigilGoExport
func sigilGoExport(handle C.uintptr_t, doc *C.char, n C.size_t, results unsafe.Pointer) (st C.uint32_t) {
	res := (*C.sigil_export_results_t)(results)
	fail := func(msg string) C.uint32_t {
		setExportMessage(res, "generation exporter failed: "+msg)
		return C.SIGIL_E_TRANSPORT
	}
	defer func() {
		if r := recover(); r != nil {
			st = fail(fmt.Sprint("panic: ", r))
		}
	}()
	cb, ok := cgo.Handle(handle).Value().(*goCallbacks)
	if !ok || cb.exporter == nil {
		return fail("no exporter")
	}
	var batch struct {
		Generations []json.RawMessage `json:"generations"`
	}
	if err := json.Unmarshal(C.GoBytes(unsafe.Pointer(doc), C.int(n)), &batch); err != nil {
		return fail(err.Error())
	}
	resp, err := cb.exporter.ExportGenerations(context.Background(), &ExportGenerationsRequest{Generations: batch.Generations})
	if err != nil {
		return fail(err.Error())
	}
	if resp == nil {
		return C.SIGIL_OK
	}
	for _, r := range resp.Results {
		addExportResult(res, r)
	}
	return C.SIGIL_OK
}

func setExportMessage(res *C.sigil_export_results_t, msg string) {
	p := C.CString(msg)
	defer C.free(unsafe.Pointer(p))
	C.sigil_export_results_set_message(res, p, C.size_t(len(msg)))
}

func addExportResult(res *C.sigil_export_results_t, r ExportGenerationResult) {
	id := C.CString(r.GenerationID)
	defer C.free(unsafe.Pointer(id))
	var msg *C.char
	if r.Error != "" {
		msg = C.CString(r.Error)
		defer C.free(unsafe.Pointer(msg))
	}
	C.sigil_export_results_add(res, id, C.size_t(len(r.GenerationID)), C.int(cbool(r.Accepted)), msg,
		C.size_t(len(r.Error)))
}
