package eventext_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wacht-platform/serverless-go/platforms/internal/eventext"
	"github.com/wacht-platform/serverless-go/platforms/lambda"
)

// The Lambda conversion reads Netlify's members while it scans the event;
// code behind it (platforms/netlify's adapter) finds them in the context.
func ExampleNetlifyFromContext() {
	h := lambda.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, ok := eventext.NetlifyFromContext(r.Context()); ok {
			fmt.Printf("path=%s rawUrl=%s rawQuery=%q route=%s\n", n.Path, n.RawURL, n.RawQuery, n.Route)
		} else {
			fmt.Println("no Netlify members")
		}
	}))
	netlifyEvent := `{"httpMethod":"GET","path":"/.netlify/functions/api/users","headers":{"host":"site.netlify.app"},
		"rawUrl":"https://site.netlify.app/api/users?limit=5","rawQuery":"limit=5","route":"/api/*",
		"requestContext":{"requestId":"r-1"},"body":"","isBase64Encoded":false}`
	apiGatewayEvent := `{"httpMethod":"GET","path":"/users","headers":{"host":"x.execute-api.aws"},
		"requestContext":{"requestId":"r-2","stage":"prod"},"body":"","isBase64Encoded":false}`
	for _, ev := range []string{netlifyEvent, apiGatewayEvent} {
		if _, err := h.Invoke(context.Background(), []byte(ev)); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// path=/.netlify/functions/api/users rawUrl=https://site.netlify.app/api/users?limit=5 rawQuery="limit=5" route=/api/*
	// no Netlify members
}
