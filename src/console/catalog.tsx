/** Platform tables shared by the customer's and the provider's pages. */
import type { FC } from 'hono/jsx';
import type { PlatformT } from '../catalog/schema';
import { when } from './layout';

export const PlatformTable: FC<{ platforms: PlatformT[]; mine?: boolean }> = ({ platforms, mine }) => (
  <table data-table="platforms">
    <thead>
      <tr>
        <th>Platform</th>
        <th>Support</th>
        <th>Multi-site</th>
        <th class="num">Price / core·month</th>
        <th class="num">Modules</th>
        {mine ? <th>Accepts</th> : null}
        {mine ? <th>Updated</th> : null}
      </tr>
    </thead>
    <tbody>
      {platforms.map((p) => (
        <tr data-platform={p.id}>
          <td>
            <strong>{p.name}</strong>
            <div class="muted">{p.description}</div>
          </td>
          <td>{p.serviceProfile.supportLevel}</td>
          <td>{p.serviceProfile.multiSite ? 'yes' : 'no'}</td>
          <td class="num">{`${p.serviceProfile.pricing.perCoreMonth} ${p.serviceProfile.pricing.currency}`}</td>
          <td class="num">{p.modules.length}</td>
          {mine ? <td>{p.autoAccept ? 'automatically' : 'after review'}</td> : null}
          {mine ? <td>{`${when(p.updatedAt)} (rev. ${p.revision})`}</td> : null}
        </tr>
      ))}
    </tbody>
  </table>
);
