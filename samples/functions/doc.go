// Package functions holds the three sample functions of the kit, written once
// as plain net/http handlers on a *handler.Kit and deployed unchanged to every
// platform; only the entry points under samples/ differ.
//
//   - AdminUsers (GET /admin/users): a signed-in user whose session carries
//     the user:read permission gets the first 20 users of the deployment.
//     The permission is checked before the backend is called.
//   - MachineUsers (GET /machine/users): a machine caller presenting an API
//     key in x-api-key (or an OAuth access token as Bearer) that Wacht's
//     gateway allows user:read gets the same list.
//   - WebhookReceiver (POST /webhooks/wacht): a Standard Webhooks delivery
//     signed with WACHT_WEBHOOK_SECRET is logged (event type and id) and
//     answered 204.
//
// Routes mounts all three on one mux, for a plain server or a single
// function; the constructors serve one function each, for platforms that
// deploy one function per entry point (Lambda, Cloud Functions). Wrap either
// in Kit.Handler, outermost:
//
//	kit := handler.New(handler.Options{})
//	http.ListenAndServe("127.0.0.1:8080", kit.Handler(functions.Routes(kit)))
//	lambda.Start(kit.Handler(functions.AdminUsers(kit)))
//
// Configuration comes from the environment the Kit reads (see
// handler.ConfigFromEnv): WACHT_API_KEY and WACHT_BACKEND_API_URL for the
// backend client, WACHT_PUBLISHABLE_KEY for session tokens, WACHT_GATEWAY_URL
// for machine checks and WACHT_WEBHOOK_SECRET for webhooks. Each function
// needs only its own part.
package functions
