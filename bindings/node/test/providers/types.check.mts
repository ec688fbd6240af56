// Compiled, never run (npm run typecheck:providers): the provider subpaths' types.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { SigilClient, openai as rootOpenAI, anthropic as rootAnthropic, type GenerationResult } from 'sigil-sdk';
import { instrument, chat, responses, embeddings } from 'sigil-sdk/openai';
import * as anthropic from 'sigil-sdk/anthropic';

const sigil = new SigilClient();
const client: OpenAI = instrument(new OpenAI({ apiKey: 'x' }), sigil, { agentName: 'a', rawArtifacts: true });
const claude: Anthropic = anthropic.instrument(new Anthropic({ apiKey: 'x' }), sigil);
void claude;

const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
const completion: OpenAI.Chat.Completions.ChatCompletion = await chat.completions.create(sigil, request,
  (r) => client.chat.completions.create(r));
const result: GenerationResult = responses.fromRequestResponse({ model: 'gpt-4o' }, completion);
const summary = await rootOpenAI.chat.completions.stream(sigil, { ...request, stream: true as const },
  async () => ({ events: [] as OpenAI.Chat.Completions.ChatCompletionChunk[] }));
const n: number = embeddings.fromRequestResponse({ input: ['a'] }).inputCount;
rootAnthropic.messages.fromStream({}, { events: summary.events });
const rec = sigil.startStreamingGeneration({ model: { provider: 'openai', name: 'gpt-4o' } });
rec.addProviderEvents('openai.chat', ['{}'], new BigInt64Array(1));
rec.setMetadata('k', 'v');
void result;
void n;

import { GoogleGenAI } from '@google/genai';
import { instrument as instrumentGemini, models as geminiModels } from 'sigil-sdk/gemini';
const ai: GoogleGenAI = instrumentGemini(new GoogleGenAI({ apiKey: 'x' }), sigil);
const gres = await geminiModels.generateContent(sigil, 'gemini-2.5-flash', 'hi', undefined,
  (model, contents, config) => ai.models.generateContent({ model, contents, config }));
const gresult: GenerationResult = geminiModels.fromRequestResponse('gemini-2.5-flash', 'hi', undefined, gres);
void gresult;

import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { instrument as instrumentBedrock } from 'sigil-sdk/bedrock';
const br: BedrockRuntimeClient = instrumentBedrock(new BedrockRuntimeClient({}), sigil, { tags: { team: 'ops' } });
void br;
