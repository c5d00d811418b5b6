import { describe, expect, it } from 'vitest';
import { parseKeychainDump, passwordOfFindOutput } from './keychain-source.js';

// The shape of `security dump-keychain` on macOS (no -d: attributes only, never data).
const DUMP = `keychain: "/Users/me/Library/Keychains/login.keychain-db"
version: 512
class: "genp"
attributes:
    0x00000007 <blob>="Groq"
    0x00000008 <blob>=<NULL>
    "acct"<blob>="me"
    "cdat"<timedate>=0x32303234303130313132303030305A00  "20240101120000Z\\000"
    "svce"<blob>="groq"
    "type"<uint32>=<NULL>
keychain: "/Users/me/Library/Keychains/login.keychain-db"
version: 512
class: "inet"
attributes:
    0x00000007 <blob>="example.com"
    "acct"<blob>="me"
    "srvr"<blob>="example.com"
keychain: "/Users/me/Library/Keychains/login.keychain-db"
version: 512
class: "genp"
attributes:
    0x00000007 <blob>=<NULL>
    "acct"<blob>=0x6DC3A900  "m\\303\\251\\000"
    "svce"<blob>="agents"
`;

describe('parseKeychainDump', () => {
  it('lists generic passwords only, with service, account and label, hex values decoded', () => {
    expect(parseKeychainDump(DUMP)).toEqual([
      { service: 'groq', account: 'me', label: 'Groq' },
      { service: 'agents', account: 'mé', label: '' },
    ]);
  });

  it('finds nothing in output that is not a dump', () => {
    expect(parseKeychainDump('')).toEqual([]);
    expect(parseKeychainDump('"svce"<blob>="x"\n')).toEqual([]);
  });
});

describe('passwordOfFindOutput', () => {
  it('reads the password line of find-generic-password -g, quoted or in hex', () => {
    expect(passwordOfFindOutput('password: "sk_live_abc"\n')).toBe('sk_live_abc');
    expect(passwordOfFindOutput('password: "say "hi""\n')).toBe('say "hi"');
    // print_buffer: hex when a byte is a backslash or not printable ASCII, then the escaped text.
    expect(passwordOfFindOutput('password: 0x70C3A95C78  "p\\303\\251\\134x"\n')).toBe('pé\\x');
    expect(passwordOfFindOutput('password: 0xC3A9 \n')).toBe('é');
    expect(passwordOfFindOutput('password: \n')).toBe('');
  });

  it('is null when there is no password line', () => {
    expect(passwordOfFindOutput('security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n')).toBeNull();
  });
});
