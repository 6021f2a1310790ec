// The vehicle applies the shared seven-step table of protocol/workflow.ts; nothing of it is restated here.
export {
  eventLabel, initialState, terminalSteps, transition, TransitionError,
  type Effect, type Transition, type WorkflowEvent, type WorkflowEventType, type WorkflowState,
} from '../../protocol/workflow';
