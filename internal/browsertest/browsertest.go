// Package browsertest starts Debian's chromium for the browser tests of
// kassa's packages (web, examples/shop) through chromedp. The tests are
// skipped only when chromium is absent and KASSA_BROWSER_TESTS is unset;
// with KASSA_BROWSER_TESTS set, a missing chromium fails them.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath returns chromium's path, or skips (or, with
// KASSA_BROWSER_TESTS set, fails) t when it is not installed.
func ChromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("KASSA_BROWSER_TESTS") != "" {
		t.Fatal("KASSA_BROWSER_TESTS is set but chromium is not installed (apt-get install chromium)")
	}
	t.Skip("chromium not installed; set KASSA_BROWSER_TESTS=1 to require these tests")
	return ""
}

// Start starts a headless chromium with its own profile, whose browser
// asks for the languages accept, with a window of width × height, and
// returns a context bounded by timeout for the whole test.
func Start(t *testing.T, accept string, width, height int64, timeout time.Duration) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.Flag("accept-lang", accept),
		chromedp.ExecPath(ChromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(width), int(height)),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Step runs actions; on failure it saves a screenshot and fails the test.
func Step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		shotCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if png, err := chromedp.Run(shotCtx, chromedp.FullScreenshot(100)); err == nil {
			path := filepath.Join(t.TempDir(), strings.ReplaceAll(name, " ", "-")+".png")
			if os.WriteFile(path, png, 0o644) == nil {
				t.Logf("screenshot of the failure: %s", path)
			}
		}
		loc, _ := chromedp.Run(shotCtx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", name, loc, err)
	}
}
