// Package ai calls the AI group of Wacht's backend API: agents, tools,
// knowledge bases and their documents, MCP servers, actors, projects,
// threads, task boards, skills, Composio and AI settings.
//
// The AI API is beta on the server and changes often, so this package is
// kept apart from the stable groups of package wacht: its types and
// methods may change between minor releases of the module, and a program
// that does not import it links none of it.
//
// Build a Client from a *wacht.Client; it shares that client's transport,
// retries, API key, timeout and error types:
//
//	c, err := wacht.NewClientFromEnv(os.LookupEnv)
//	...
//	agents := ai.New(c)
//	for agent, err := range agents.Agents.All(ctx, ai.ListAgentsParams{}) {
//		...
//	}
//
// Errors are the ones package wacht returns: *wacht.APIError for an error
// status (wacht.IsNotFound and friends work), *wacht.RequestError when no
// usable answer arrived, and errors wrapping wacht.ErrInvalidParams for
// parameters refused before sending. File downloads are returned unread as
// io.ReadCloser; close them.
package ai
