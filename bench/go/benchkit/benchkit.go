// Package benchkit is what the Go benchmark programs share (see bench/README.md
// for the contract): the params, the workload, the timed loops, the process
// measurements and the result line. Each program supplies its SDK's record,
// flush and counters through Impl.
package benchkit

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Params is the params object of bench/README.md.
type Params struct {
	Workload     string  `json:"workload"`
	WorkloadFile string  `json:"workload_file"`
	N            int     `json:"n"`
	Warmup       int     `json:"warmup"`
	Protocol     string  `json:"protocol"`
	Endpoint     string  `json:"endpoint"`
	OTLPEndpoint string  `json:"otlp_endpoint"`
	Rate         float64 `json:"rate"`
	DurationS    float64 `json:"duration_s"`
	QueueBytes   int64   `json:"queue_bytes"`
	QueueItems   int     `json:"queue_items"`
	BatchSize    int     `json:"batch_size"`
}

// Message is one message of the workload: text, and optionally one tool call.
type Message struct {
	Role     string `json:"role"`
	Text     string `json:"text"`
	ToolCall *struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		InputJSON string `json:"input_json"`
	} `json:"tool_call"`
}

// Workload is bench/workload.json.
type Workload struct {
	Start struct {
		ConversationID string `json:"conversation_id"`
		AgentName      string `json:"agent_name"`
		AgentVersion   string `json:"agent_version"`
		Model          struct {
			Provider string `json:"provider"`
			Name     string `json:"name"`
		} `json:"model"`
		MaxTokens   int64             `json:"max_tokens"`
		Temperature float64           `json:"temperature"`
		Tags        map[string]string `json:"tags"`
	} `json:"start"`
	Result struct {
		SystemPrompt string    `json:"system_prompt"`
		Input        []Message `json:"input"`
		Output       []Message `json:"output"`
		Usage        struct {
			InputTokens          int64 `json:"input_tokens"`
			OutputTokens         int64 `json:"output_tokens"`
			CacheReadInputTokens int64 `json:"cache_read_input_tokens"`
		} `json:"usage"`
		ResponseID    string            `json:"response_id"`
		ResponseModel string            `json:"response_model"`
		StopReason    string            `json:"stop_reason"`
		Metadata      map[string]string `json:"metadata"`
	} `json:"result"`
}

// Impl is one SDK under test.
type Impl interface {
	// Record is one timed record: start -> set result -> end. It returns the
	// recorder's local error (Err), read after the caller's clock stopped.
	Record() (elapsed time.Duration, err error)
	// Flush waits until what was recorded is delivered, at most d.
	Flush(d time.Duration) error
	// Counters returns the SDK's own "delivered", "dropped" and "spooled"
	// counts, or nil when it exposes none.
	Counters() map[string]uint64
	// Close shuts the SDK down (not measured).
	Close()
}

// Deadlines of the flush after the warmup (export) and of the final flush
// (export, overload), as in bench/c/sigil_bench.c.
const (
	WarmupFlushDeadline = 60 * time.Second
	FlushDeadline       = 120 * time.Second
)

// Load parses --params and reads the workload file; it exits on bad input.
func Load() (Params, Workload) {
	raw := flag.String("params", "", "the params JSON object of bench/README.md")
	flag.Parse()
	if *raw == "" && flag.NArg() == 1 {
		*raw = flag.Arg(0)
	}
	var p Params
	if err := json.Unmarshal([]byte(*raw), &p); err != nil {
		Fail("params: %v", err)
	}
	data, err := os.ReadFile(p.WorkloadFile)
	if err != nil {
		Fail("workload: %v", err)
	}
	var w Workload
	if err := json.Unmarshal(data, &w); err != nil {
		Fail("workload %s: %v", p.WorkloadFile, err)
	}
	return p, w
}

// Fail prints to stderr and exits with status 1.
func Fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func peakRSSBytes() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024 // KiB on Linux
}

func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// summary: median, p99, max and mean in ns as a JSON object, with the ranks
// of bench/c/bench_util.h.
func summary(samples []int64) string {
	n := len(samples)
	if n == 0 {
		return "{}"
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	var sum float64
	for _, s := range samples {
		sum += float64(s)
	}
	return fmt.Sprintf(`{"median": %d, "p99": %d, "max": %d, "mean": %.1f}`,
		samples[(n-1)/2], samples[int(float64(n-1)*0.99+0.5)], samples[n-1], sum/float64(n))
}

// Run runs the workload of p against impl and prints the result line.
func Run(p Params, impl Impl) {
	errs := map[string]int{}
	note := func(err error) { errs[err.Error()]++ }
	for i := 0; i < p.Warmup; i++ {
		if _, err := impl.Record(); err != nil {
			note(err)
		}
	}
	if len(errs) > 0 {
		Fail("warmup records failed: %v", errs)
	}
	if p.Workload == "export" && p.Warmup > 0 {
		if err := impl.Flush(WarmupFlushDeadline); err != nil { // the timed window starts with an empty queue
			Fail("warmup flush: %v", err)
		}
	}
	before := impl.Counters()

	n := p.N
	var interval time.Duration
	if p.Workload == "overload" {
		n = int(p.Rate * p.DurationS)
		interval = time.Duration(float64(time.Second) / p.Rate)
	}
	samples := make([]int64, n)
	rssBaseline := rssBytes()
	cpu0 := cpuSeconds()
	wall0 := time.Now()
	failed := 0
	for i := 0; i < n; i++ {
		if interval > 0 {
			// Absolute deadlines: sleep until this record's slot; a late record goes at once.
			if wait := time.Until(wall0.Add(time.Duration(i) * interval)); wait > 0 {
				time.Sleep(wait)
			}
		}
		elapsed, err := impl.Record()
		samples[i] = int64(elapsed)
		if err != nil {
			failed++
			note(err)
		}
	}
	flushS := 0.0
	if p.Workload != "record" {
		f0 := time.Now()
		if err := impl.Flush(FlushDeadline); err != nil {
			fmt.Fprintf(os.Stderr, "bench: flush: %v\n", err)
		}
		flushS = time.Since(f0).Seconds()
	}
	wallS := time.Since(wall0).Seconds()
	cpuS := cpuSeconds() - cpu0

	var b strings.Builder
	fmt.Fprintf(&b, `{"ops": %d, "caller_ns": %s, "wall_s": %.6f, "cpu_s": %.6f, "rss_baseline_bytes": %d, "rss_peak_bytes": %d`,
		n, summary(samples), wallS, cpuS, rssBaseline, peakRSSBytes())
	if p.Workload != "record" {
		after := impl.Counters()
		for _, key := range []string{"delivered", "dropped", "spooled"} {
			if v, ok := after[key]; ok {
				fmt.Fprintf(&b, `, "%s": %d`, key, v-before[key])
			} else if key == "dropped" && p.Workload == "overload" {
				// An SDK without counters tells the caller about each drop through Err.
				fmt.Fprintf(&b, `, "dropped": %d`, failed)
			}
		}
		fmt.Fprintf(&b, `, "flush_s": %.6f`, flushS)
	}
	b.WriteString("}")
	if len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "bench: records that ended with an error: %v\n", errs)
		if p.Workload != "overload" {
			Fail("records failed outside the overload workload; the figures would be wrong")
		}
	}
	impl.Close()
	fmt.Println(b.String())
}
