// The seven steps, and where a request is among them.
import type { RequestStep } from '../../../protocol/domain';
import { progressSteps } from '../../../protocol/workflow';

const stepOrder = progressSteps;

export function StepBar({ step }: { step: RequestStep }) {
  const at = stepOrder.indexOf(step === 'spoiled' ? 'printed' : step);
  const labels: [RequestStep, string][] = [
    ['entered', '1 受付'],
    ['identity_checked', '2 本人確認'],
    ['queued', '3 送信'],
    ['approved', '4 市役所承認'],
    ['printed', '5 印刷・確認'],
    ['paid', '6 手数料'],
    ['handed_over', '7 交付'],
  ];
  return (
    <ol className="stepbar" aria-label="手続きの段階">
      {labels.map(([s, label]) => {
        const i = stepOrder.indexOf(s);
        const state = at > i || step === 'handed_over' ? 'done' : at === i || (s === 'queued' && step === 'relayed') ? 'now' : 'todo';
        return (
          // Done and current are said in words and marks too, not by colour alone.
          <li key={s} className={state} aria-current={state === 'now' ? 'step' : undefined}>
            {state === 'done' && <span aria-hidden>✓ </span>}
            {label}
            {state === 'done' && <span className="sr-only">（済み）</span>}
          </li>
        );
      })}
    </ol>
  );
}
