package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Machine describes where the figures were measured.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	LoadAvg    string `json:"loadavg_before"` // /proc/loadavg when the run started
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, CPUModel: cpuModel()}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.TrimSpace(string(b))
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Load is how busy the machine was during a phase, in CPU cores: all of
// it (from /proc/stat) and this process's share (getrusage). Others is
// what other processes (e.g. builds on a shared machine) took.
type Load struct {
	MachineCores float64 `json:"machine_busy_cores"`
	OwnCores     float64 `json:"own_cores"`
	OtherCores   float64 `json:"other_cores"`
}

// loadSample is a reading of the counters behind Load, or (in acc) the
// sum of the differences of several pairs of readings.
type loadSample struct {
	wall       time.Duration
	at         time.Time
	busy, own  time.Duration
	haveSystem bool
}

func readLoad() loadSample {
	s := loadSample{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.own = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	s.busy, s.haveSystem = systemBusy()
	return s
}

// add adds the difference between two readings to the sum l.
func (l *loadSample) add(from, to loadSample) {
	if l.wall == 0 {
		l.haveSystem = true
	}
	l.wall += to.at.Sub(from.at)
	l.own += to.own - from.own
	l.busy += to.busy - from.busy
	l.haveSystem = l.haveSystem && from.haveSystem && to.haveSystem
}

// cores turns a sum of differences into average busy cores.
func (l loadSample) cores() Load {
	wall := l.wall.Seconds()
	if wall <= 0 {
		return Load{}
	}
	out := Load{OwnCores: round2(l.own.Seconds() / wall)}
	if l.haveSystem {
		out.MachineCores = round2(l.busy.Seconds() / wall)
		out.OtherCores = round2(max(out.MachineCores-out.OwnCores, 0))
	}
	return out
}

// systemBusy is the non-idle CPU time of the machine from /proc/stat.
func systemBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait, guest (already in user)
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += n
	}
	const hz = 100 // USER_HZ on Linux
	return time.Duration(ticks) * time.Second / hz, true
}

// resetPeakRSS resets the kernel's peak RSS of this process (Linux ≥ 4.0),
// so that peakRSS reports the peak of one phase. Best effort.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM, the peak resident set size, in bytes (0 when unknown).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
