package main

// Request decoding. Objects keep their keys' order and each value's raw JSON,
// so JSON-valued bytes fields and tool content reach the binding exactly as
// the runner wrote them. {"$bytes": "<base64>"} stands for a string holding
// exactly those bytes (how the protocol carries invalid UTF-8); Go strings
// hold any bytes.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

type object struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseObject(data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object")
	}
	o := &object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if _, dup := o.vals[key]; !dup {
			o.keys = append(o.keys, key)
		}
		o.vals[key] = raw
	}
	return o, nil
}

// only rejects keys outside allowed: a typo in a scenario fails loudly.
func (o *object) only(allowed ...string) error {
	for _, k := range o.keys {
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			return bad("unknown key %q", k)
		}
	}
	return nil
}

// present returns a key's raw value unless it is absent or null.
func (o *object) present(key string) (json.RawMessage, bool) {
	raw, ok := o.vals[key]
	if !ok || len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

func (o *object) str(key string) (string, bool, error) {
	raw, ok := o.present(key)
	if !ok {
		return "", false, nil
	}
	s, err := decodeString(raw)
	if err != nil {
		return "", false, bad("%q must be a string", key)
	}
	return s, true, nil
}

// int accepts a JSON number or a decimal string (int64 as protojson writes it).
func (o *object) int(key string) (int64, bool, error) {
	raw, ok := o.present(key)
	if !ok {
		return 0, false, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, false, bad("%q must be an integer", key)
		}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true, nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && f == float64(int64(f)) {
		return int64(f), true, nil
	}
	return 0, false, bad("%q must be an integer", key)
}

func (o *object) obj(key string) (*object, bool, error) {
	raw, ok := o.present(key)
	if !ok {
		return nil, false, nil
	}
	obj, err := parseObject(raw)
	if err != nil {
		return nil, false, bad("%q must be an object", key)
	}
	return obj, true, nil
}

func (o *object) strMap(key string) (map[string]string, bool, error) {
	m, ok, err := o.obj(key)
	if err != nil || !ok {
		return nil, ok, err
	}
	out := make(map[string]string, len(m.keys))
	for _, k := range m.keys {
		v, _, err := m.str(k)
		if err != nil {
			return nil, false, bad("%q values must be strings", key)
		}
		out[k] = v
	}
	return out, true, nil
}

// decodeString reads a JSON string or a {"$bytes": ...} marker.
func decodeString(raw json.RawMessage) (string, error) {
	if len(raw) > 0 && raw[0] == '{' {
		var marker map[string]string
		if err := json.Unmarshal(raw, &marker); err == nil && len(marker) == 1 {
			if b64, ok := marker["$bytes"]; ok {
				b, err := base64.StdEncoding.DecodeString(b64)
				return string(b), err
			}
		}
		return "", fmt.Errorf("not a string")
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// decodeAny decodes a JSON value for a map[string]any field (metadata),
// keeping numbers exact (json.Number) and expanding $bytes markers.
func decodeAny(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bad("invalid JSON value: %v", err)
	}
	return expandBytes(v)
}

func expandBytes(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if b64, ok := x["$bytes"].(string); ok && len(x) == 1 {
			b, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, bad("malformed {\"$bytes\": ...} value")
			}
			return string(b), nil
		}
		for k, item := range x {
			e, err := expandBytes(item)
			if err != nil {
				return nil, err
			}
			x[k] = e
		}
	case []any:
		for i, item := range x {
			e, err := expandBytes(item)
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
	}
	return v, nil
}
