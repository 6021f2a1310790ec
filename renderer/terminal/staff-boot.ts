// The staff page's first script: it opens the contract's socket and asks for the session. staff.html
// runs it before staff.js (the screens, with React), so the handshake and the first answer travel
// while the browser is still fetching and compiling React instead of after it.
import { connectFromPage } from './client';
import { useStaff } from './staff-store';

useStaff.getState().init(connectFromPage());
