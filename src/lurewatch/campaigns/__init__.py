"""Many conversations -> groups run by one operator, and the published-persona watchlist."""

from lurewatch.campaigns.campaign import Campaign, campaign_to_report
from lurewatch.campaigns.group import GroupingSettings, group_campaigns
from lurewatch.campaigns.watchlist import Watchlist, WatchlistEntry, WatchlistHit, load_watchlist

__all__ = [
    "Campaign",
    "GroupingSettings",
    "Watchlist",
    "WatchlistEntry",
    "WatchlistHit",
    "campaign_to_report",
    "group_campaigns",
    "load_watchlist",
]
