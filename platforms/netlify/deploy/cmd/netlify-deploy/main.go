// Command netlify-deploy deploys a Netlify site's static files and prebuilt
// Go functions through Netlify's API (see package deploy).
//
//	NETLIFY_AUTH_TOKEN=nfp_... netlify-deploy -site <site id> \
//		-dir samples/netlify/public -functions dist/netlify/functions
//
// Flags: -site (default $NETLIFY_SITE_ID), -dir (publish directory),
// -functions (prebuilt functions, make build-netlify), -title, -draft,
// -api (default $NETLIFY_API_URL or https://api.netlify.com/api/v1),
// -timeout (wait for the deploy to be ready). The token comes only from
// NETLIFY_AUTH_TOKEN, never from a flag, so it stays out of shell history
// and process lists. Progress goes to stderr; the deploy URL to stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/wacht-platform/serverless-go/platforms/netlify/deploy"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	opts := deploy.OptionsFromEnv(nil)
	fs := flag.NewFlagSet("netlify-deploy", flag.ContinueOnError)
	fs.StringVar(&opts.SiteID, "site", opts.SiteID, "Netlify site id or name (default $"+deploy.EnvSiteID+")")
	fs.StringVar(&opts.Dir, "dir", "samples/netlify/public", "publish directory")
	fs.StringVar(&opts.FunctionsDir, "functions", "dist/netlify/functions", "directory of prebuilt Go functions (\"\" for none)")
	fs.StringVar(&opts.Title, "title", "", "deploy title")
	fs.BoolVar(&opts.Draft, "draft", false, "create a draft deploy (preview URL only)")
	fs.StringVar(&opts.APIURL, "api", opts.APIURL, "Netlify API base URL (default "+deploy.DefaultAPIURL+")")
	fs.DurationVar(&opts.WaitTimeout, "timeout", 5*time.Minute, "how long to wait for the deploy to be ready (negative: do not wait)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "netlify-deploy: unexpected arguments %q\n", fs.Args())
		return 2
	}
	opts.Progress = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := deploy.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		switch {
		case errors.Is(err, deploy.ErrUnauthorized):
			fmt.Fprintln(os.Stderr, "hint: create a personal access token in Netlify (User settings > Applications) and export "+deploy.EnvAuthToken)
		case errors.Is(err, deploy.ErrSiteNotFound):
			fmt.Fprintln(os.Stderr, "hint: the site id is on the site's Site configuration page (or use the site name)")
		}
		return 1
	}
	url := res.DeployURL
	if !opts.Draft && res.URL != "" {
		url = res.URL
	}
	fmt.Println(url)
	return 0
}
