import type { SigilClient } from '../index.js';

type HookResult = void | Promise<void>;

/** What experimental_onStepStart hands over (AI SDK 6): the step's model and input messages. */
export interface StepStartEvent {
  stepNumber?: unknown;
  messages?: unknown;
  system?: unknown;
  model?: { provider?: unknown; modelId?: unknown };
}

/** What onStepFinish hands over (a step result). */
export interface StepFinishEvent {
  stepNumber?: unknown;
  finishReason?: unknown;
  text?: unknown;
  reasoningText?: unknown;
  usage?: unknown;
  response?: { id?: unknown; modelId?: unknown };
  toolCalls?: unknown;
  toolResults?: unknown;
  error?: unknown;
}

export interface ToolCallRef {
  toolCallId?: unknown;
  toolName?: unknown;
  input?: unknown;
}

export interface ToolCallStartEvent {
  stepNumber?: unknown;
  toolCall?: ToolCallRef;
}

export interface ToolCallFinishEvent {
  stepNumber?: unknown;
  toolCall?: ToolCallRef;
  success?: unknown;
  output?: unknown;
  error?: unknown;
  durationMs?: unknown;
}

export interface StreamChunkEvent {
  chunk?: { type?: unknown; text?: unknown };
}

export interface StreamErrorEvent {
  error?: unknown;
}

export interface SigilVercelAiSdkOptions {
  agentName?: string;
  agentVersion?: string;
  /** Record input messages and tool arguments (default true). */
  captureInputs?: boolean;
  /** Record outputs and tool results (default true). */
  captureOutputs?: boolean;
  extraTags?: Record<string, string>;
  extraMetadata?: Record<string, unknown>;
  /** The conversation id of a call without an explicit one. */
  resolveConversationId?: (event: StepStartEvent) => string | undefined;
}

/** Per call: the conversation id (else resolveConversationId, else sigil:framework:vercel-ai-sdk:<call id>). */
export interface CallOptions {
  conversationId?: string;
  agentName?: string;
  extraMetadata?: Record<string, unknown>;
}

export interface GenerateTextHooks {
  experimental_onStepStart: (event: StepStartEvent) => HookResult;
  onStepFinish: (event: StepFinishEvent) => HookResult;
  experimental_onToolCallStart: (event: ToolCallStartEvent) => HookResult;
  experimental_onToolCallFinish: (event: ToolCallFinishEvent) => HookResult;
}

export interface StreamTextHooks extends GenerateTextHooks {
  onChunk: (event: StreamChunkEvent) => HookResult;
  onError: (event: StreamErrorEvent | unknown) => HookResult;
  onAbort: (event?: unknown) => HookResult;
}

/** Each model step of a call becomes a generation, each tool call a tool execution. */
export declare class SigilVercelAiSdkInstrumentation {
  constructor(client: SigilClient, options?: SigilVercelAiSdkOptions);
  generateTextHooks(callOptions?: CallOptions): GenerateTextHooks;
  streamTextHooks(callOptions?: CallOptions): StreamTextHooks;
}

export declare function createSigilVercelAiSdk(client: SigilClient,
  options?: SigilVercelAiSdkOptions): SigilVercelAiSdkInstrumentation;
