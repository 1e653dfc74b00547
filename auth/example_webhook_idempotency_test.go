package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wacht-platform/serverless-go/auth"
)

// The claim-on-receipt, mark-on-success protocol that handler.VerifyWebhook
// runs, by hand: a delivery whose processing failed is processed again on
// Wacht's retry; one that succeeded is a duplicate from then on.
func ExampleMemoryWebhookIdempotency() {
	ctx := context.Background()
	store := &auth.MemoryWebhookIdempotency{}
	created := time.Now()
	keep := created.Add(auth.DefaultWebhookMaxAge) // WebhookVerifier.ReplayWindowEnd(ev.Timestamp)
	lease := time.Now().Add(5 * time.Minute)

	attempt := func(process func() error) string {
		claim, err := store.Claim(ctx, "msg_1001", lease)
		if err != nil {
			return "store down: answer 503"
		}
		switch claim {
		case auth.WebhookProcessed:
			return "duplicate: answer 204, do nothing"
		case auth.WebhookInProgress:
			return "in progress elsewhere: answer 503"
		}
		if err := process(); err != nil {
			_ = store.Settle(ctx, "msg_1001", false, keep)
			return "failed: answer 500, Wacht retries"
		}
		_ = store.Settle(ctx, "msg_1001", true, keep)
		return "processed: answer 204"
	}
	fmt.Println(attempt(func() error { return fmt.Errorf("database busy") }))
	fmt.Println(attempt(func() error { return nil }))
	fmt.Println(attempt(func() error { panic("not called") }))
	// Output:
	// failed: answer 500, Wacht retries
	// processed: answer 204
	// duplicate: answer 204, do nothing
}

// Required permissions are all required; a name the gateway would read as
// an AND/OR expression is refused.
func ExampleValidateRequiredPermissions() {
	fmt.Println(auth.ValidateRequiredPermissions([]string{"invoices:read", "invoices:write"}))
	fmt.Println(auth.ValidateRequiredPermissions([]string{"invoices:read OR admin"}) != nil)
	// Output:
	// <nil>
	// true
}

// ApplyHeaders copies the rate-limit headers only, in seconds; the key's
// identity stays on the decision for the handler.
func ExampleDecision_ApplyHeaders() {
	d := &auth.Decision{
		Reason:     auth.DenyRateLimited,
		RetryAfter: 60 * time.Second, // the gateway's retry_after: 60000 (ms)
		Headers: map[string]string{
			"x-ratelimit-60s-limit": "100", "x-ratelimit-60s-remaining": "0", "x-ratelimit-60s-reset": "60000",
			"x-wacht-key-id": "42", "x-wacht-key-name": "billing sync", "x-wacht-metadata": "tenant=acme",
		},
	}
	h := http.Header{}
	d.ApplyHeaders(h)
	fmt.Println(h)
	// Output: map[Retry-After:[60] X-Ratelimit-60s-Limit:[100] X-Ratelimit-60s-Remaining:[0] X-Ratelimit-60s-Reset:[60]]
}
