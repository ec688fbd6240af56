'use strict';

// sigil-sdk/langchain: LangChain.js callbacks as Sigil generations, tool executions and spans
// (the reference SDK's @grafana/sigil-sdk-js/langchain names).

const { langChainCallbackHandler, withHandlerCallbacks } = require('./callbacks.js');

class SigilLangChainHandler extends langChainCallbackHandler('langchain', 'sigil_langchain_handler') {}

/** A new SigilLangChainHandler for `client`. */
function createSigilLangChainHandler(client, options = {}) {
  return new SigilLangChainHandler(client, options);
}

/** `config` (a RunnableConfig, or undefined) with a SigilLangChainHandler added to its callbacks, unless one is there. */
function withSigilLangChainCallbacks(config, client, options = {}) {
  return withHandlerCallbacks(config, createSigilLangChainHandler(client, options));
}

module.exports = { SigilLangChainHandler, createSigilLangChainHandler, withSigilLangChainCallbacks };
