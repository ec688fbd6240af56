package sigil

/*
#include "shim.h"
*/
import "C"

// ValidateGeneration checks g with the rules libsigil applies when a
// generation ends (the reference SDK's rules): model provider and name
// required, message roles and parts well formed, tool names and artifact
// kinds present. The error names the offending field
// ("generation.input[0].parts[0].text is required") and matches
// ErrValidationFailed. As the reference's, the message has no "sigil: "
// prefix.
func ValidateGeneration(g Generation) error {
	j := getJSON()
	defer putJSON(j)
	var err error
	if j.b, err = appendGeneration(j.b, &g); err != nil {
		return (&Error{Code: CodeInvalidJSON, Message: err.Error(), bare: true}).with(ErrValidationFailed, err)
	}
	p, n := goBytes(j.b)
	var cerr *C.sigil_error_t
	st := C.sigil_validate_generation_json(p, n, &cerr)
	if e := takeError(st, cerr); e != nil {
		e.bare = true
		return e.with(ErrValidationFailed)
	}
	return nil
}
