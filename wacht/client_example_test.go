package wacht_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
)

// backend is a tiny stand-in for Wacht's backend API that serves five users,
// so the examples run offline.
func backend() *httptest.Server {
	names := []string{"Ada", "Grace", "Katherine", "Margaret", "Radia"}
	user := func(i int) map[string]any {
		return map[string]any{
			"id": "user_" + strconv.Itoa(i+1), "first_name": names[i], "last_name": "Example",
			"created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z", "profile_picture_url": "",
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		// Like the platform API: one item past the page decides has_more,
		// and there is no total.
		data := []map[string]any{}
		for i := offset; i < len(names) && i < offset+limit+1; i++ {
			data = append(data, user(i))
		}
		more := len(data) > limit
		if more {
			data = data[:limit]
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data, "has_more": more, "limit": limit, "offset": offset})
	})
	mux.HandleFunc("DELETE /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_42")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"errors":[{"message":"user %s not found","code":404}]}`, r.PathValue("id"))
	})
	return httptest.NewServer(mux)
}

func ExampleNewClient() {
	c, err := wacht.NewClient(wacht.Config{
		APIKey:  "sk_test_example", // usually os.Getenv("WACHT_API_KEY")
		Timeout: 10 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())
	fmt.Println(c) // the API key never prints

	_, err = wacht.NewClient(wacht.Config{})
	fmt.Println(err)
	// Output:
	// https://api.wacht.dev
	// {BaseURL:https://api.wacht.dev APIKey:[redacted] Timeout:10s Retries:3}
	// wacht: invalid configuration: APIKey: missing: set WACHT_API_KEY or Config.APIKey
}

func ExampleNewClientFromEnv() {
	// On Lambda or a plain server pass os.LookupEnv; here a map stands in.
	env := map[string]string{
		"WACHT_API_KEY":         "sk_test_example",
		"WACHT_BACKEND_API_URL": "https://api.eu.example.dev",
	}
	c, err := wacht.NewClientFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())
	// Output: https://api.eu.example.dev
}

func ExampleUsersService_List() {
	srv := backend()
	defer srv.Close()
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_example", BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	page, err := c.Users.List(context.Background(), wacht.ListUsersParams{Limit: 2})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range page.Data {
		fmt.Println(u.ID, u.FirstName)
	}
	fmt.Println("more:", page.HasMore)
	// Output:
	// user_1 Ada
	// user_2 Grace
	// more: true
}

func ExampleUsersService_All() {
	srv := backend()
	defer srv.Close()
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_example", BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	// Pages of two are fetched lazily, as the loop asks for more.
	for u, err := range c.Users.All(context.Background(), wacht.ListUsersParams{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.FirstName)
	}
	// Output:
	// Ada
	// Grace
	// Katherine
	// Margaret
	// Radia
}

func ExampleAPIError() {
	srv := backend()
	defer srv.Close()
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_example", BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	err = c.Users.Delete(context.Background(), "user_404")
	switch {
	case wacht.IsNotFound(err):
		fmt.Println("no such user")
	case wacht.IsRateLimited(err):
		fmt.Println("slow down")
	}
	var apiErr *wacht.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Messages[0], apiErr.RequestID)
	}
	fmt.Println(err)
	// Output:
	// no such user
	// 404 user user_404 not found req_42
	// wacht: DELETE /users/user_404: 404 Not Found: user user_404 not found (code 404) [request id req_42]
}

func ExampleListUsersParams() {
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_example"})
	if err != nil {
		log.Fatal(err)
	}
	// Parameters are checked before anything is sent.
	_, err = c.Users.List(context.Background(), wacht.ListUsersParams{Limit: 500})
	fmt.Println(errors.Is(err, wacht.ErrInvalidParams))
	fmt.Println(err)
	// Output:
	// true
	// wacht: Limit 500 is above MaxPageSize (100): invalid parameters
}
