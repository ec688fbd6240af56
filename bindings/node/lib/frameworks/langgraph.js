'use strict';

// sigil-sdk/langgraph: LangGraph.js callbacks as Sigil generations, tool executions and spans
// (the reference SDK's @grafana/sigil-sdk-js/langgraph names).

const { langChainCallbackHandler, withHandlerCallbacks } = require('./callbacks.js');

class SigilLangGraphHandler extends langChainCallbackHandler('langgraph', 'sigil_langgraph_handler') {}

/** A new SigilLangGraphHandler for `client`. */
function createSigilLangGraphHandler(client, options = {}) {
  return new SigilLangGraphHandler(client, options);
}

/** `config` (a RunnableConfig, or undefined) with a SigilLangGraphHandler added to its callbacks, unless one is there. */
function withSigilLangGraphCallbacks(config, client, options = {}) {
  return withHandlerCallbacks(config, createSigilLangGraphHandler(client, options));
}

module.exports = { SigilLangGraphHandler, createSigilLangGraphHandler, withSigilLangGraphCallbacks };
