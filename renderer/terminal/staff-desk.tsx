// The staff screen once signed in: the header, what needs attention, and the view staff chose. Loaded
// after the sign-in screen is up (see staff.tsx), since these screens bring the contract's schemas.
import { Consultation, ConsultationStrip } from './consultation';
import { PrintAttention, Questions } from './staff/attention';
import { Header } from './staff/header';
import { InsuranceLink } from './staff/insurance-link';
import { NewRequest } from './staff/new-request';
import { Outing } from './staff/outing';
import { OutingClose } from './staff/outing-close';
import { Risai } from './staff/risai';
import { OutingTally } from './staff/outing-tally';
import { ListView } from './staff/request-list';
import { RequestView } from './staff/request-view';
import { Visits } from './staff/visits';
import { useStaff } from './staff-store';

export default function StaffDesk() {
  const view = useStaff((s) => s.view);
  return (
    <>
      <Header />
      <PrintAttention />
      <Questions />
      <ConsultationStrip />
      {view.name === 'list' && <ListView />}
      {view.name === 'new' && <NewRequest />}
      {view.name === 'request' && <RequestView />}
      {view.name === 'link' && <InsuranceLink />}
      {view.name === 'consult' && <Consultation />}
      {view.name === 'visits' && <Visits />}
      {view.name === 'outing' && <Outing />}
      {view.name === 'tally' && <OutingTally />}
      {view.name === 'close' && <OutingClose />}
      {view.name === 'risai' && <Risai />}
    </>
  );
}
