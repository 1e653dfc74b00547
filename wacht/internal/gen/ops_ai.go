package main

// aiServices lists the service fields of package ai's Client, in order.
var aiServices = []struct{ name, file, doc string }{
	{"Agents", "agents", "manages AI agents and what they are attached to: tools, knowledge bases and sub-agents."},
	{"Tools", "tools", "manages the tools agents can call, and lists the platform's internal tools."},
	{"KnowledgeBases", "knowledge_bases", "manages knowledge bases and their documents."},
	{"MCPServers", "mcp_servers", "manages Model Context Protocol servers and connects actors to them."},
	{"Actors", "actors", "manages actors: the users or systems agents work for."},
	{"Projects", "projects", "manages an actor's projects."},
	{"Threads", "threads", "manages agent threads: conversations, runs, messages and their files."},
	{"TaskBoards", "task_boards", "manages a project's task board, its items, comments and files."},
	{"Skills", "skills", "reads, imports and deletes the skills of an agent."},
	{"Composio", "composio", "configures the Composio integration and lists its toolkits and tools."},
	{"Settings", "settings", "reads and changes the deployment's AI settings and model provider profiles."},
}

// aiOps names every operation of the AI tag. The generator fails when an AI
// operation has no entry here.
var aiOps = []op{
	// Agents
	{id: "getAiAgents", svc: "Agents", method: "List", params: "ListAgentsParams", all: "All", doc: "returns one page of the deployment's agents."},
	{id: "createAiAgent", svc: "Agents", method: "Create", doc: "creates an agent."},
	{id: "getAiAgentById", svc: "Agents", method: "Get", doc: "returns an agent with its tools, knowledge bases and sub-agents."},
	{id: "getAiAgentDetails", svc: "Agents", method: "Details", doc: "returns an agent together with its usage details."},
	{id: "updateAiAgent", svc: "Agents", method: "Update", doc: "changes an agent. Only the fields that are set are sent."},
	{id: "deleteAiAgent", svc: "Agents", method: "Delete", doc: "deletes an agent."},
	{id: "getAgentKnowledgeBases", svc: "Agents", method: "ListKnowledgeBases", doc: "returns the knowledge bases attached to an agent."},
	{id: "attachKnowledgeBaseToAgent", svc: "Agents", method: "AttachKnowledgeBase", doc: "attaches a knowledge base to an agent."},
	{id: "detachKnowledgeBaseFromAgent", svc: "Agents", method: "DetachKnowledgeBase", doc: "detaches a knowledge base from an agent."},
	{id: "getAgentSubAgents", svc: "Agents", method: "ListSubAgents", doc: "returns the sub-agents an agent can delegate to."},
	{id: "attachSubAgentToAgent", svc: "Agents", method: "AttachSubAgent", doc: "lets an agent delegate to another agent."},
	{id: "detachSubAgentFromAgent", svc: "Agents", method: "DetachSubAgent", doc: "stops an agent delegating to another agent."},
	{id: "getAgentTools", svc: "Agents", method: "ListTools", doc: "returns the tools attached to an agent."},
	{id: "attachToolToAgent", svc: "Agents", method: "AttachTool", doc: "attaches a tool to an agent."},
	{id: "detachToolFromAgent", svc: "Agents", method: "DetachTool", doc: "detaches a tool from an agent."},
	{id: "updateAgentToolApprovalAction", svc: "Agents", method: "SetToolApproval", doc: "sets whether an agent's calls to a tool need approval."},
	{id: "setAgentRoleAgent", svc: "Agents", method: "SetRoleAgent", doc: "sets or clears the agent that plays a role (reviewer, conversation) for an agent."},

	// Tools
	{id: "getAiTools", svc: "Tools", method: "List", params: "ListToolsParams", all: "All", doc: "returns one page of the deployment's tools."},
	{id: "createAiTool", svc: "Tools", method: "Create", doc: "creates a tool."},
	{id: "getAiToolById", svc: "Tools", method: "Get", doc: "returns a tool with the agents that use it."},
	{id: "updateAiTool", svc: "Tools", method: "Update", doc: "changes a tool. Only the fields that are set are sent."},
	{id: "deleteAiTool", svc: "Tools", method: "Delete", doc: "deletes a tool."},
	{id: "listInternalTools", svc: "Tools", method: "ListInternal", doc: "returns the platform's built-in tools an agent can use or disable."},

	// Knowledge bases
	{id: "getAiKnowledgeBases", svc: "KnowledgeBases", method: "List", params: "ListKnowledgeBasesParams", doc: "returns one page of the deployment's knowledge bases."},
	{id: "createAiKnowledgeBase", svc: "KnowledgeBases", method: "Create", doc: "creates a knowledge base."},
	{id: "getAiKnowledgeBaseById", svc: "KnowledgeBases", method: "Get", doc: "returns a knowledge base with its document count."},
	{id: "updateAiKnowledgeBase", svc: "KnowledgeBases", method: "Update", doc: "changes a knowledge base. Only the fields that are set are sent."},
	{id: "deleteAiKnowledgeBase", svc: "KnowledgeBases", method: "Delete", doc: "deletes a knowledge base and its documents."},
	{id: "getKnowledgeBaseDocuments", svc: "KnowledgeBases", method: "ListDocuments", params: "ListDocumentsParams", all: "AllDocuments", doc: "returns one page of a knowledge base's documents."},
	{id: "uploadKnowledgeBaseDocument", svc: "KnowledgeBases", method: "UploadDocument", params: "UploadDocumentParams", doc: "uploads a document (multipart/form-data) for the knowledge base to index."},
	{id: "deleteKnowledgeBaseDocument", svc: "KnowledgeBases", method: "DeleteDocument", doc: "deletes a document from a knowledge base."},

	// MCP servers
	{id: "getMcpServers", svc: "MCPServers", method: "List", params: "ListMCPServersParams", all: "All", doc: "returns one page of the deployment's MCP servers."},
	{id: "createMcpServer", svc: "MCPServers", method: "Create", doc: "registers an MCP server."},
	{id: "getMcpServerById", svc: "MCPServers", method: "Get", doc: "returns an MCP server."},
	{id: "updateMcpServer", svc: "MCPServers", method: "Update", doc: "changes an MCP server. Only the fields that are set are sent."},
	{id: "deleteMcpServer", svc: "MCPServers", method: "Delete", doc: "deletes an MCP server."},
	{id: "discoverMcpServerAuth", svc: "MCPServers", method: "DiscoverAuth", doc: "asks an MCP server which authentication it requires, without registering it."},
	{id: "listActorMcpServers", svc: "MCPServers", method: "ListForActor", params: "ActorParams", doc: "returns the MCP servers an actor can use, with the actor's connection state."},
	{id: "connectActorMcpServer", svc: "MCPServers", method: "Connect", params: "ActorParams", doc: "starts connecting an actor to an MCP server; the result may carry a URL the actor must visit to authorize."},
	{id: "disconnectActorMcpServer", svc: "MCPServers", method: "Disconnect", params: "ActorParams", doc: "disconnects an actor from an MCP server."},

	// Actors
	{id: "listActors", svc: "Actors", method: "List", params: "ListActorsParams", all: "All", doc: "returns one page of the deployment's actors."},
	{id: "createActor", svc: "Actors", method: "Create", doc: "creates an actor."},
	{id: "lookupActor", svc: "Actors", method: "Lookup", params: "LookupActorParams", doc: "finds an actor by its subject type and external key."},

	// Projects
	{id: "listActorProjectsFlat", svc: "Projects", method: "List", params: "ListProjectsParams", doc: "returns an actor's projects."},
	{id: "createActorProjectFlat", svc: "Projects", method: "Create", params: "ActorParams", doc: "creates a project for an actor."},
	{id: "searchActorProjects", svc: "Projects", method: "Search", params: "SearchProjectsParams", all: "AllSearch", doc: "returns one page of an actor's projects matching a query. Follow NextCursor (or use AllSearch) for the next page."},
	{id: "getActorProjectById", svc: "Projects", method: "Get", doc: "returns a project."},
	{id: "updateActorProject", svc: "Projects", method: "Update", doc: "changes a project. Only the fields that are set are sent."},
	{id: "archiveActorProject", svc: "Projects", method: "Archive", doc: "archives a project."},
	{id: "unarchiveActorProject", svc: "Projects", method: "Unarchive", doc: "brings an archived project back."},

	// Threads
	{id: "listAgentThreads", svc: "Threads", method: "List", params: "ListThreadsParams", doc: "returns the threads of a project."},
	{id: "createAgentThread", svc: "Threads", method: "Create", doc: "creates a thread in a project."},
	{id: "searchActorProjectThreads", svc: "Threads", method: "Search", params: "SearchThreadsParams", all: "AllSearch", doc: "returns one page of an actor's threads matching a query. Follow NextCursor (or use AllSearch) for the next page."},
	{id: "getAgentThreadById", svc: "Threads", method: "Get", doc: "returns a thread."},
	{id: "updateAgentThread", svc: "Threads", method: "Update", doc: "changes a thread. Only the fields that are set are sent."},
	{id: "archiveAgentThread", svc: "Threads", method: "Archive", doc: "archives a thread."},
	{id: "unarchiveAgentThread", svc: "Threads", method: "Unarchive", doc: "brings an archived thread back."},
	{id: "executeAgentThreadAsync", svc: "Threads", method: "Run", doc: "starts an agent run on a thread and returns once the run is queued; follow its progress with [ThreadsService.ListMessages]."},
	{id: "getAgentThreadMessages", svc: "Threads", method: "ListMessages", params: "ListMessagesParams", doc: "returns a window of a thread's messages, chosen by BeforeID or AfterID."},
	{id: "answerThreadQuestion", svc: "Threads", method: "Answer", doc: "answers a question the agent asked in a thread and resumes the run."},
	{id: "listAssignmentsForThread", svc: "Threads", method: "ListAssignments", doc: "returns the task board assignments worked on in a thread."},
	{id: "getLatestThreadTaskGraph", svc: "Threads", method: "LatestTaskGraph", doc: "returns the thread's latest task graph, or nil when the thread has none yet, which the server writes as {} (get_latest_thread_task_graph, platform/src/api/agent_threads.rs:1113)."},
	{id: "listAgentThreadFilesystem", svc: "Threads", method: "ListFiles", params: "ListFilesParams", doc: "lists a directory of the thread's workspace."},
	{id: "getAgentThreadFilesystemFile", svc: "Threads", method: "DownloadFile", params: "FileParams", doc: "streams a file of the thread's workspace. The caller must close the reader; the download is not buffered."},

	// Task boards
	{id: "getProjectTaskBoardByProjectId", svc: "TaskBoards", method: "Get", doc: "returns a project's task board."},
	{id: "listProjectTaskBoardItems", svc: "TaskBoards", method: "ListItems", doc: "returns the items of a project's task board."},
	{id: "createProjectTaskBoardItem", svc: "TaskBoards", method: "CreateItem", doc: "adds an item to a project's task board."},
	{id: "delegateProjectTask", svc: "TaskBoards", method: "Delegate", doc: "creates a task board item and assigns it to an agent in one step."},
	{id: "getProjectTaskBoardItemById", svc: "TaskBoards", method: "GetItem", doc: "returns a task board item."},
	{id: "updateProjectTaskBoardItem", svc: "TaskBoards", method: "UpdateItem", doc: "changes a task board item. Only the fields that are set are sent."},
	{id: "archiveProjectTaskBoardItem", svc: "TaskBoards", method: "ArchiveItem", doc: "archives a task board item."},
	{id: "unarchiveProjectTaskBoardItem", svc: "TaskBoards", method: "UnarchiveItem", doc: "brings an archived task board item back."},
	{id: "cancelProjectTaskBoardItem", svc: "TaskBoards", method: "CancelItem", doc: "cancels the work on a task board item."},
	{id: "answerProjectTaskBoardItemQuestion", svc: "TaskBoards", method: "AnswerItem", doc: "answers a question the agent asked while working on an item."},
	{id: "approveProjectTaskBoardItemTool", svc: "TaskBoards", method: "ApproveItemTool", doc: "approves or denies a tool call the agent is waiting on."},
	{id: "listProjectTaskBoardItemAssignments", svc: "TaskBoards", method: "ListItemAssignments", doc: "returns the assignments of a task board item."},
	{id: "listProjectTaskBoardItemComments", svc: "TaskBoards", method: "ListItemComments", doc: "returns the comments on a task board item."},
	{id: "createProjectTaskBoardItemComment", svc: "TaskBoards", method: "CreateItemComment", params: "ActorParams", doc: "comments on a task board item."},
	{id: "listProjectTaskBoardItemFilesystem", svc: "TaskBoards", method: "ListItemFiles", params: "ListFilesParams", doc: "lists a directory of the item's workspace."},
	{id: "getProjectTaskBoardItemFilesystemFile", svc: "TaskBoards", method: "ReadItemFile", params: "FileParams", doc: "returns a text file of the item's workspace, decoded."},
	{id: "downloadProjectTaskBoardItemFilesystemFile", svc: "TaskBoards", method: "DownloadItemFile", params: "FileParams", doc: "streams a file of the item's workspace. The caller must close the reader; the download is not buffered."},

	// Skills
	{id: "listAgentSkillsSummary", svc: "Skills", method: "List", doc: "returns a summary of an agent's skills."},
	{id: "listSkillTree", svc: "Skills", method: "Tree", params: "SkillTreeParams", doc: "lists a directory of an agent's or the system's skills."},
	{id: "readSkillFile", svc: "Skills", method: "ReadFile", params: "SkillFileParams", doc: "returns one file of a skill."},
	{id: "importAgentSkillBundle", svc: "Skills", method: "Import", params: "ImportSkillsParams", doc: "imports a skill bundle (an archive, sent as multipart/form-data) into an agent."},
	{id: "deleteAgentSkill", svc: "Skills", method: "Delete", doc: "deletes one of an agent's skills."},

	// Composio
	{id: "getComposioConfig", svc: "Composio", method: "Config", doc: "returns the deployment's Composio configuration."},
	{id: "updateComposioConfig", svc: "Composio", method: "UpdateConfig", doc: "changes the Composio configuration."},
	{id: "enableComposioApp", svc: "Composio", method: "EnableApp", doc: "enables a Composio app (toolkit) for the deployment."},
	{id: "disableComposioApp", svc: "Composio", method: "DisableApp", doc: "disables a Composio app."},
	{id: "listComposioToolkits", svc: "Composio", method: "ListToolkits", params: "ListToolkitsParams", doc: "returns one page of Composio toolkits. Follow NextCursor for the next page."},
	{id: "listToolkitAuthConfigs", svc: "Composio", method: "ListAuthConfigs", doc: "returns the auth configurations of a Composio toolkit."},
	{id: "getToolkitAuthDetails", svc: "Composio", method: "AuthDetails", doc: "returns what a Composio toolkit needs to authenticate."},
	{id: "listComposioTools", svc: "Composio", method: "ListTools", params: "ListComposioToolsParams", doc: "returns the tools of the given Composio toolkits."},

	// Settings
	{id: "getAiSettings", svc: "Settings", method: "Get", doc: "returns the deployment's AI settings."},
	{id: "updateAiSettings", svc: "Settings", method: "Update", doc: "replaces the deployment's AI settings."},
	{id: "listAiProviderProfiles", svc: "Settings", method: "ListProviderProfiles", params: "ListProviderProfilesParams", all: "AllProviderProfiles", doc: "returns one page of model provider profiles."},
	{id: "createAiProviderProfile", svc: "Settings", method: "CreateProviderProfile", doc: "creates a model provider profile."},
	{id: "getAiProviderProfile", svc: "Settings", method: "GetProviderProfile", doc: "returns a model provider profile."},
	{id: "updateAiProviderProfile", svc: "Settings", method: "UpdateProviderProfile", doc: "changes a model provider profile. Only the fields that are set are sent."},
	{id: "deleteAiProviderProfile", svc: "Settings", method: "DeleteProviderProfile", doc: "deletes a model provider profile."},
}
