package wacht

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Retry timing. The wait before retry n (0-based) is drawn from
// [d/2, d) with d = retryBaseDelay * 2^n, capped at retryMaxDelay, unless the
// response carries Retry-After, which is honoured up to maxRetryAfter.
const (
	retryBaseDelay = 200 * time.Millisecond
	retryMaxDelay  = 5 * time.Second
	maxRetryAfter  = time.Minute
)

type retryPolicy struct {
	max    int            // retries after the first attempt
	base   time.Duration  // first backoff step
	cap    time.Duration  // largest backoff step
	jitter func() float64 // random source in [0, 1)
}

func newRetryPolicy(cfg Config) retryPolicy {
	p := retryPolicy{max: cfg.MaxRetries, base: retryBaseDelay, cap: retryMaxDelay, jitter: defaultJitter}
	if p.max == 0 {
		p.max = DefaultMaxRetries
	}
	if cfg.DisableRetries {
		p.max = 0
	}
	return p
}

// delay returns how long to wait before retry number attempt+1. It reports
// false when the server asks for a longer pause than maxRetryAfter: the
// caller then gets the error at once instead of a hidden long sleep.
func (p retryPolicy) delay(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if retryAfter > 0 {
		if retryAfter > maxRetryAfter {
			return 0, false
		}
		return retryAfter, true
	}
	d := p.base
	for i := 0; i < attempt && d < p.cap; i++ {
		d *= 2
	}
	if d > p.cap {
		d = p.cap
	}
	j := 0.5
	if p.jitter != nil {
		j = p.jitter()
	}
	return d/2 + time.Duration(j*float64(d/2)), true
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func isRetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isConnectionReset reports whether err means the connection broke before a
// response arrived (reset by peer, broken pipe, closed early).
func isConnectionReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns 0 when the header is absent, invalid or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
