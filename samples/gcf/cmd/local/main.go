// Command local serves the sample functions on 127.0.0.1 with the Functions
// Framework, as the deployed function does: FUNCTION_TARGET picks the
// function served at "/"; without it every function is served at
// "/<name>". PORT defaults to 8080.
//
//	FUNCTION_TARGET=AdminUsers WACHT_API_KEY=... WACHT_PUBLISHABLE_KEY=... go run ./cmd/local
package main

import (
	"log"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	_ "github.com/wacht-platform/serverless-go/samples/gcf"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("serving %q on http://127.0.0.1:%s", os.Getenv("FUNCTION_TARGET"), port)
	if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
		log.Fatal(err)
	}
}
