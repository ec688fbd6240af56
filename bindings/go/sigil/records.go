package sigil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// ArtifactKind classifies a raw provider artifact.
type ArtifactKind string

const (
	ArtifactKindRequest       ArtifactKind = "request"
	ArtifactKindResponse      ArtifactKind = "response"
	ArtifactKindTools         ArtifactKind = "tools"
	ArtifactKindProviderEvent ArtifactKind = "provider_event"
)

// Artifact is an optional raw provider payload kept for debugging. It needs a
// Payload or a RecordID.
type Artifact struct {
	Kind        ArtifactKind `json:"kind"`
	Name        string       `json:"name,omitempty"`
	ContentType string       `json:"content_type,omitempty"`
	Payload     []byte       `json:"payload,omitempty"`
	RecordID    string       `json:"record_id,omitempty"`
	URI         string       `json:"uri,omitempty"`
}

// ArtifactRef points at an artifact stored elsewhere.
type ArtifactRef struct {
	Kind        ArtifactKind `json:"kind"`
	Name        string       `json:"name,omitempty"`
	ContentType string       `json:"content_type,omitempty"`
	RecordID    string       `json:"record_id"`
	URI         string       `json:"uri"`
}

// Record is an artifact payload kept in a RecordStore.
type Record struct {
	ID          string
	Kind        ArtifactKind
	Name        string
	ContentType string
	Payload     []byte
	CreatedAt   time.Time
}

// RecordStore stores artifact payloads out of band and returns their ids.
type RecordStore interface {
	Put(ctx context.Context, record Record) (string, error)
}

// NewJSONArtifact returns an artifact whose payload is value marshaled to JSON.
func NewJSONArtifact(kind ArtifactKind, name string, value any) (Artifact, error) {
	payload, err := json.Marshal(value)
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{Kind: kind, Name: name, ContentType: "application/json", Payload: payload}, nil
}

// MemoryRecordStore is an in-memory RecordStore for tests and local use.
type MemoryRecordStore struct {
	mu      sync.RWMutex
	records map[string]Record
}

// NewMemoryRecordStore returns an empty store.
func NewMemoryRecordStore() *MemoryRecordStore {
	return &MemoryRecordStore{records: make(map[string]Record)}
}

// Put stores a copy of record, assigning an id ("rec_" + 16 hex digits) and a
// creation time when they are unset, and returns the id.
func (s *MemoryRecordStore) Put(_ context.Context, record Record) (string, error) {
	if record.ID == "" {
		record.ID = randomID("rec")
	}
	if record.CreatedAt.IsZero() {
		record.CreatedAt = time.Now().UTC()
	}
	record.Payload = append([]byte(nil), record.Payload...)
	s.mu.Lock()
	s.records[record.ID] = record
	s.mu.Unlock()
	return record.ID, nil
}

// Get returns a copy of the record with the given id.
func (s *MemoryRecordStore) Get(id string) (Record, bool) {
	s.mu.RLock()
	record, ok := s.records[id]
	s.mu.RUnlock()
	if ok {
		record.Payload = append([]byte(nil), record.Payload...)
	}
	return record, ok
}

// Count returns how many records the store holds.
func (s *MemoryRecordStore) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.records)
}

func randomID(prefix string) string {
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return prefix + "_" + strconv.FormatInt(time.Now().UnixNano(), 16)
	}
	return prefix + "_" + hex.EncodeToString(raw[:])
}
