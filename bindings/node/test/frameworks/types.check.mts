// Type check of the framework entry points (npm run typecheck:frameworks): the reference's
// names and option shapes compile against our .d.ts files.
import { SigilClient } from 'sigil-sdk';
import {
  SigilLangChainHandler, createSigilLangChainHandler, withSigilLangChainCallbacks,
  type FrameworkHandlerOptions,
} from 'sigil-sdk/langchain';
import { SigilLangGraphHandler, createSigilLangGraphHandler, withSigilLangGraphCallbacks } from 'sigil-sdk/langgraph';

const client = new SigilClient({ generationExport: { protocol: 'none' } });
const options: FrameworkHandlerOptions = {
  agentName: 'a',
  agentVersion: '1',
  providerResolver: ({ modelName }) => (modelName.startsWith('gpt') ? 'openai' : 'custom'),
  provider: 'openai',
  captureInputs: true,
  captureOutputs: false,
  extraTags: { team: 'x' },
  extraMetadata: { n: 1 },
  maxOpenRuns: 100,
};
const lc: SigilLangChainHandler = createSigilLangChainHandler(client, options);
const lg: SigilLangGraphHandler = createSigilLangGraphHandler(client, { providerResolver: 'auto' });
const config = withSigilLangChainCallbacks({ tags: ['t'] }, client, options);
const tags: unknown = config.tags;
const callbacks: SigilLangGraphHandler[] = withSigilLangGraphCallbacks(undefined, client).callbacks;
const name: string = lc.name;
const open: number = lg.openRuns;
void lc.handleLLMEnd({}, 'run');
void [tags, callbacks, name, open];

// The handlers are LangChain callback handlers as far as LangChain's own types go.
import { ChatOpenAI } from '@langchain/openai';
import type { RunnableConfig } from '@langchain/core/runnables';
const llm = new ChatOpenAI({ model: 'gpt-4o', apiKey: 'x' });
void llm.invoke('hi', { callbacks: [lc, lg] });
const runnableConfig: RunnableConfig = withSigilLangChainCallbacks({ metadata: { thread_id: 't' } }, client);
void llm.invoke('hi', runnableConfig);

// The Vercel AI SDK hooks spread into generateText and streamText as the AI SDK types them.
import { createSigilVercelAiSdk, type SigilVercelAiSdkOptions } from 'sigil-sdk/vercel-ai-sdk';
import { generateText, streamText, type LanguageModel } from 'ai';
declare const aiModel: LanguageModel;
const vercelOptions: SigilVercelAiSdkOptions = { agentName: 'a', resolveConversationId: () => 'c', captureOutputs: false };
const vercel = createSigilVercelAiSdk(client, vercelOptions);
void generateText({ model: aiModel, prompt: 'hi', ...vercel.generateTextHooks({ conversationId: 'c1' }) });
void streamText({ model: aiModel, prompt: 'hi', ...vercel.streamTextHooks({ agentName: 'b' }) });

// The OpenAI Agents hooks take a Runner or an Agent.
import { SigilOpenAIAgentsHandler, attachSigilOpenAIAgentsHooks, withSigilOpenAIAgentsHooks } from 'sigil-sdk/openai-agents';
import { Agent, Runner } from '@openai/agents';
const registration = withSigilOpenAIAgentsHooks(new Runner(), client, { agentName: 'a', providerResolver: 'auto' });
const agentsHandler: SigilOpenAIAgentsHandler = registration.handler;
registration.detach();
attachSigilOpenAIAgentsHooks(new Agent({ name: 'x' }), client).detach();
void agentsHandler;
